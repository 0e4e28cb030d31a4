// Renders notebook outputs the way JupyterLab 4 and Notebook 7 do: each output's MIME type is chosen
// by @jupyterlab/rendermime's registry (for untrusted outputs only "safe" renderers qualify, as in the
// output area) and rendered by its renderer; untrusted HTML goes through JupyterLab's sanitiser and
// its scripts do not run. The page that loads this bundle sets window.ROUTELAB_OUTPUTS (a list of
// {data, metadata}) and window.ROUTELAB_TRUSTED; when the charts have settled, a JSON report of what
// each output shows is written into <pre id="report">.
import { MimeModel, RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';

const SETTLE_MS = 40000;

async function render(outputs, trusted) {
  const registry = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
  const boxes = [];
  for (const output of outputs) {
    const box = document.createElement('div');
    box.className = 'output';
    document.getElementById('outputs').appendChild(box);
    const mimeType = registry.preferredMimeType(output.data, trusted ? 'any' : 'ensure');
    const renderer = registry.createRenderer(mimeType);
    box.appendChild(renderer.node);
    await renderer.renderModel(new MimeModel({ data: output.data, metadata: output.metadata || {}, trusted }));
    boxes.push({ box, mimeType });
  }
  return boxes;
}

function visiblePictures(box) {
  return Array.from(box.querySelectorAll('img')).filter(
    img => img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().width > 0).length;
}

function describe({ box, mimeType }) {
  return {
    mimeType,
    charts: box.querySelectorAll('.routelab-chart').length,
    pictures: visiblePictures(box),
    drawn: box.querySelectorAll('.main-svg').length,
    scripts: box.querySelectorAll('script').length,
    text: box.innerText.trim()
  };
}

// A chart has settled once plotly.js drew it or its script gave up waiting for plotly.js.
function settled(boxes) {
  return boxes.every(({ box }) => box.querySelector('.main-svg') || !box.querySelector('.routelab-note')
    || /no copy of plotly/.test(box.innerText));
}

async function main() {
  const trusted = window.ROUTELAB_TRUSTED === true;
  const boxes = await render(window.ROUTELAB_OUTPUTS, trusted);
  const started = Date.now();
  while (trusted && !settled(boxes) && Date.now() - started < SETTLE_MS) {
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  // give images time to decode before they are measured
  await new Promise(resolve => setTimeout(resolve, 500));
  document.getElementById('report').textContent = JSON.stringify(boxes.map(describe));
}

main().catch(error => {
  document.getElementById('report').textContent = JSON.stringify({ error: String(error && error.stack || error) });
});
