# RouteLab image: JupyterLab with the "RouteLab (Java)" kernel, the library built for DJL's CUDA
# natives, libtorch fetched at build time (CUDA 12.8 and CPU), the notebooks and the data scripts.
#
#   docker build -t routelab .
#   docker run --gpus all -p 8888:8888 -v "$PWD/data:/data" -v "$PWD/models:/models" routelab   # GPU
#   docker run -p 8888:8888 -v "$PWD/data:/data" -v "$PWD/models:/models" routelab              # CPU
#
# DJL 0.35 runs PyTorch 2.7.1, whose CUDA build is for CUDA 12.8 (flavour cu128): the base image
# brings the matching CUDA runtime and cuDNN. .ci/check-dockerfile checks this file in CI.
ARG BASE_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
FROM ${BASE_IMAGE}

# Heap of the kernel JVM; the kernelspec records it (docker build --build-arg KERNEL_JAVA_OPTS=-Xmx32g).
ARG KERNEL_JAVA_OPTS=-Xmx8g

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64

# JDK (the kernel compiles cells with JShell), Maven (builds the project, resolves %maven), Python
# for Jupyter and the data scripts, tini to forward signals and reap kernel processes, tcmalloc for
# the launcher to preload (PyTorch's per-operation buffers; its package name has a t64 suffix since
# Ubuntu 24.04).
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven python3 python3-venv \
        ca-certificates git tini \
        "$(apt-cache show libtcmalloc-minimal4t64 >/dev/null 2>&1 && echo libtcmalloc-minimal4t64 || echo libtcmalloc-minimal4)" \
 && rm -rf /var/lib/apt/lists/*

# JupyterLab and the data scripts' packages in a virtual environment (Ubuntu's Python is externally
# managed). torch is the CPU build: the scripts only unpickle checkpoint weights with it.
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
COPY data-scripts/requirements.txt /tmp/data-scripts-requirements.txt
RUN python3 -m venv /opt/venv \
 && pip install --no-cache-dir --upgrade pip \
 && pip install --no-cache-dir "jupyterlab>=4,<5" \
 && pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu "torch==2.7.1" \
 && pip install --no-cache-dir -r /tmp/data-scripts-requirements.txt \
 && pip install --no-cache-dir --no-deps --ignore-requires-python promptsource==0.2.3 \
 && python3 -c "import promptsource.templates, datasets, transformers, huggingface_hub, safetensors, torch" \
 && rm /tmp/data-scripts-requirements.txt

# A non-root user owns the project, its caches (~/.m2, ~/.djl.ai) and the volumes. Ubuntu's image
# has user "ubuntu" on uid 1000; RouteLab's user takes that id, the usual one of a host user.
RUN (userdel --remove ubuntu 2>/dev/null || true) \
 && useradd --create-home --uid 1000 --shell /bin/bash routelab \
 && install -d -o routelab -g routelab /opt/routelab /data /models
USER routelab
WORKDIR /opt/routelab
ENV ROUTELAB_NATIVES=cuda

# Maven dependencies first: this layer stays cached while only sources change.
COPY --chown=routelab:routelab pom.xml ./
COPY --chown=routelab:routelab lib/pom.xml lib/
COPY --chown=routelab:routelab kernel/pom.xml kernel/
RUN mvn -B -q -Dnatives=cuda dependency:go-offline -DexcludeGroupIds=org.routelab

COPY --chown=routelab:routelab . .
# Build without the CPU natives jar (ROUTELAB_NATIVES=cuda), then have DJL fetch libtorch into
# ~/.djl.ai/pytorch: cu128 for GPUs and cpu for machines without one (docker/entrypoint.sh picks at
# start). doctor loads the engine, which fetches first; a build host has no GPU driver, so loading
# cu128 may fail after the fetch, and then its files must be on disk. The cpu build must load and
# compute. The notebooks folder is created if the checkout has none yet.
RUN ./routelab build \
 && (PYTORCH_FLAVOR=cu128 ./routelab doctor || ls -l ~/.djl.ai/pytorch/2.7.1-cu128-linux-x86_64/libtorch.so) \
 && PYTORCH_FLAVOR=cpu ./routelab doctor \
 && ./routelab kernel install --java-opts "$KERNEL_JAVA_OPTS" \
 && mkdir -p notebooks
# From here on DJL downloads nothing: missing natives are an error, never a download at kernel start.
ENV DJL_OFFLINE=true

VOLUME ["/opt/routelab/notebooks", "/data", "/models"]
EXPOSE 8888
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/routelab/docker/entrypoint.sh"]
CMD ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser", "--ServerApp.root_dir=/opt/routelab/notebooks"]
