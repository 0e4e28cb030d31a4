package org.routelab.kernel;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.HelpLink;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;
import org.dflib.jjava.jupyter.kernel.util.TextColor;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.publish.PublishError;
import org.dflib.jjava.jupyter.messages.publish.PublishExecuteInput;
import org.dflib.jjava.jupyter.messages.publish.PublishExecuteResult;
import org.dflib.jjava.jupyter.messages.reply.ErrorReply;
import org.dflib.jjava.jupyter.messages.reply.ExecuteReply;
import org.dflib.jjava.jupyter.messages.request.ExecuteRequest;
import org.dflib.jjava.jupyter.messages.request.HistoryRequest;
import org.routelab.notebook.Progress;
import org.routelab.notebook.ProgressListener;

/**
 * The RouteLab Jupyter kernel: Java cells evaluated in-process by JShell, with the RouteLab library,
 * DJL and Tablesaw on the class path and imported, rich display of tables, charts and images, live
 * progress bars, and interrupts that stop library work between steps.
 */
final class RouteLabKernel extends BaseKernel {

    /** How long cell code that never checks for interrupts gets before it is stopped by force. */
    private static final long FORCE_STOP_DELAY_MS = 2000;

    private final KernelIO kernelIO;
    private final CellHistory history;
    private final CellEvaluator evaluator;
    private final CodeAssist assist;
    private final Magics magics;
    private final MimeRenderer mime = new MimeRenderer();
    private final HtmlProgressListener progress = new HtmlProgressListener(this);
    private final ScheduledExecutorService interrupter = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "routelab-interrupt");
        t.setDaemon(true);
        return t;
    });
    private ProgressListener previousProgress;

    /**
     * @param classPath the class path cells compile against: the kernel's own
     * @param mavenWork where {@code %maven} puts resolved jars
     * @param mvn       the Maven command {@code %maven} runs
     * @param guard     shared with the connection, so that interrupts never hit a send to Jupyter
     */
    RouteLabKernel(String classPath, Path mavenWork, String mvn, IoGuard guard) {
        this(new KernelIO(), new CellHistory(), classPath, mavenWork, mvn, guard);
    }

    private RouteLabKernel(KernelIO io, CellHistory history, String classPath, Path mavenWork, String mvn,
            IoGuard guard) {
        super("routelab", version(), languageInfo(),
                List.of(new HelpLink("Tablesaw", "https://jtablesaw.github.io/tablesaw/")),
                null, io, new CommManager(), new Renderer(), null, null, false,
                new StringStyler.Builder()
                        .addPrimaryStyle(TextColor.BOLD_RESET_FG)
                        .addSecondaryStyle(TextColor.BOLD_RED_FG)
                        .addHighlightStyle(TextColor.BOLD_RESET_FG)
                        .build());
        this.kernelIO = io;
        this.history = history;
        this.evaluator = new CellEvaluator(classPath, io.err, guard);
        this.assist = new CodeAssist(evaluator.analysis());
        this.magics = new Magics(evaluator, new MavenResolver(mvn, mavenWork), classPath, io.out);
    }

    private static String version() {
        String v = RouteLabKernel.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static LanguageInfo languageInfo() {
        return new LanguageInfo.Builder("java")
                .version(Runtime.version().toString())
                .mimetype("text/x-java-source")
                .fileExtension(".jshell")
                .pygments("java")
                .codemirror("text/x-java")
                .build();
    }

    /** Imports the library and runs the user's startup file, then routes library progress here. */
    @Override
    public void onStartup() {
        super.onStartup();
        Notebook.attach(this);
        previousProgress = Progress.install(progress);
        evaluator.eval(Startup.imports());
        String user = Startup.userStartup();
        if (!user.isBlank()) {
            try {
                evaluator.eval(user);
            } catch (RuntimeException e) {
                // The session is still usable without the user's additions; say why they are missing.
                System.err.println("routelab kernel: " + Startup.USER_STARTUP_ENV + " failed: "
                        + String.join("\n", ErrorReport.of(e).traceback()));
            }
        }
    }

    @Override
    public void onShutdown(boolean isRestarting) {
        interrupter.shutdownNow();
        Progress.install(previousProgress);
        Notebook.attach(null);
        evaluator.close();
        super.onShutdown(isRestarting);
    }

    /** The renderer, for the helpers in {@link Notebook}. */
    MimeRenderer renderer() {
        return mime;
    }

    @Override
    protected synchronized void handleExecuteRequest(ShellReplyEnvironment env, Message<ExecuteRequest> message) {
        commManager.setMessageContext(message);
        ExecuteRequest request = message.getContent();
        int count = executionCount.getAndIncrement();
        if (request.shouldStoreHistory()) {
            history.add(count, request.getCode());
        }
        env.setBusyDeferIdle();
        env.publish(new PublishExecuteInput(request.getCode(), count));
        replaceOutputStreams(env);
        kernelIO.attach(env, request.isStdinEnabled());
        env.defer(() -> kernelIO.detach(env));
        progress.forgetOpenPhases();
        mime.plotly().cellStarts(stringOrNull(message.getNonNullMetadata().get("cellId")),
                stringList(message.getNonNullMetadata().get("deletedCells")));
        try {
            CellEvaluator.Outcome outcome = run(request.getCode());
            if (outcome.hasValue()) {
                env.publish(new PublishExecuteResult(count, mime.render(outcome.value())));
            }
            env.defer().reply(new ExecuteReply(count, Collections.emptyMap()));
        } catch (RuntimeException | Error e) {
            ErrorReport report = ErrorReport.of(e);
            env.publish(new PublishError(report.name(), report.value(), report.traceback()));
            ErrorReply reply = new ErrorReply(report.name(), report.value(), report.traceback());
            reply.setExecutionCount(count);
            env.defer().replyError(ExecuteReply.MESSAGE_TYPE.error(), reply);
        }
    }

    private static String stringOrNull(Object value) {
        return value == null ? null : value.toString();
    }

    /** A JSON list of strings from request metadata; anything else is an empty list. */
    private static List<String> stringList(Object value) {
        return value instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of();
    }

    /** Answers from this session's cells, with the reply's status (see {@link CellHistory.Reply}). */
    @Override
    protected void handleHistoryRequest(ShellReplyEnvironment env, Message<HistoryRequest> message) {
        env.setBusyDeferIdle();
        env.reply(history.answer(message.getContent()));
    }

    /** Runs a cell's magic lines and code pieces in order; the last piece's value is the cell's. */
    private CellEvaluator.Outcome run(String cell) {
        CellEvaluator.Outcome outcome = CellEvaluator.Outcome.NONE;
        for (Magics.Piece piece : Magics.split(cell)) {
            if (piece instanceof Magics.Magic m) {
                try {
                    outcome = magics.run(m);
                } catch (CompilationException | CellFailedException e) {
                    throw e; // from code that %load evaluated: reported like any cell's
                } catch (RuntimeException e) {
                    throw new MagicException("%" + m.name() + ": " + e.getMessage(), e);
                }
            } else if (piece instanceof Magics.Code c) {
                outcome = evaluator.eval(c.source());
            }
        }
        return outcome;
    }

    @Override
    public Object evalRaw(String source) {
        return run(source).value();
    }

    @Override
    public DisplayData eval(String source) {
        CellEvaluator.Outcome outcome = run(source);
        return outcome.hasValue() ? mime.render(outcome.value()) : null;
    }

    @Override
    public List<String> formatError(Throwable e) {
        return ErrorReport.of(e).traceback();
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        String doc = assist.inspect(code, at, extraDetail);
        return doc.isBlank() ? null : new DisplayData(doc);
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        CodeAssist.Completions c = assist.complete(code, at);
        return new ReplacementOptions(c.options(), c.start(), c.end());
    }

    @Override
    public String isComplete(String code) {
        String withoutMagics = code.lines().filter(l -> !l.stripLeading().startsWith("%"))
                .collect(Collectors.joining("\n"));
        Completeness c = evaluator.completeness(withoutMagics).orElse(Completeness.EMPTY);
        return switch (c) {
            case COMPLETE, COMPLETE_WITH_SEMI, EMPTY -> IS_COMPLETE_YES;
            case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE -> "    ";
            case UNKNOWN -> IS_COMPLETE_BAD;
        };
    }

    /**
     * Interrupts the running cell. Library work notices between steps ({@link Progress#checkInterrupted()});
     * plain cell code that never checks is stopped by force after a short delay. While a progress phase
     * runs, the kernel waits for the step to finish; a second interrupt stops the cell at once.
     */
    @Override
    public void interrupt() {
        CellExecutionControl control = evaluator.control();
        if (!control.isRunning()) {
            return;
        }
        if (control.interruptRequested()) {
            control.stopByForce();
            return;
        }
        long cell = control.interrupt();
        if (progress.hasOpenPhase()) {
            kernelIO.err.println("Interrupt requested: stopping after the current step (interrupt again to stop at once).");
        } else {
            interrupter.schedule(() -> {
                if (control.isRunning(cell)) {
                    control.stopByForce();
                }
            }, FORCE_STOP_DELAY_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Shows a value as a new output with the given display id (see {@link Notebook#display}). */
    void display(Object value, String displayId) {
        DisplayData data = mime.render(value, displayId);
        data.setDisplayId(displayId);
        publishDisplay(data, false);
    }

    /** Replaces the output with the given display id. */
    void updateDisplay(Object value, String displayId) {
        DisplayData data = mime.render(value, displayId);
        data.setDisplayId(displayId);
        publishDisplay(data, true);
    }

    /** Sends display data (a new output, or an update in place) to the cell being executed, if any. */
    void publishDisplay(DisplayData data, boolean update) {
        if (update) {
            kernelIO.display.updateDisplay(data);
        } else {
            kernelIO.display.display(data);
        }
    }
}
