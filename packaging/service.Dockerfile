# syntax=docker/dockerfile:1.7
# mcdesk GPU service: the engine behind an HTTP API, on CuPy (CUDA 12).
#
#   docker build -f packaging/service.Dockerfile -t mcdesk-service:0.1.0 .
#
# Build from the repository root. Two stages on the same CUDA runtime base, so the
# virtual environment built in the first stage runs unchanged on the second one's Python.
# The project is installed from its own metadata (pyproject.toml: extras gpu and service);
# no requirement is listed here a second time. cupy-cuda12x finds cuRAND and NVRTC in the
# CUDA runtime base, so it needs no CUDA toolkit of its own.
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-runtime-ubuntu24.04

FROM ${CUDA_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# Ubuntu 24.04 ships Python 3.12 (the project needs >= 3.11). Package versions are not
# pinned: Ubuntu replaces them with security updates, the base image tag is the pin.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY engine/ engine/
COPY mcdesk/ mcdesk/
COPY remote/ remote/
# './[gpu,service]' is '.[gpu,service]' spelled so that hadolint sees a path, not a package.
RUN pip install --no-cache-dir './[gpu,service]' \
    && python -c "import cupy, engine, remote, mcdesk"

FROM ${CUDA_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="mcdesk-service" \
      org.opencontainers.image.description="mcdesk Monte Carlo engine as a GPU service (CuPy, CUDA 12)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="GPL-3.0-or-later" \
      org.opencontainers.image.source="https://github.com/mcdesk/mcdesk"
ENV DEBIAN_FRONTEND=noninteractive
# Only the interpreter: no compiler, no pip cache, no apt lists. ca-certificates is not
# needed either (the service makes no outgoing TLS connection).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 mcdesk \
    && useradd --system --uid 10001 --gid 10001 --home-dir /home/mcdesk --create-home \
       --shell /usr/sbin/nologin mcdesk \
    && mkdir -p /data/results \
    && chown 10001:10001 /data/results
COPY --from=build /opt/venv /opt/venv
# Everything the process writes goes to /data/results (a volume) or /tmp (an emptyDir in
# Kubernetes, a tmpfs in compose), so the root filesystem can be mounted read-only.
# The signing key (MCDESK_JWT_KEY) is NOT set here: it comes from a Kubernetes Secret or an
# env file at run time.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MCDESK_SERVICE_HOST=0.0.0.0 \
    MCDESK_SERVICE_PORT=8000 \
    MCDESK_RESULTS_DIR=/data/results \
    MCDESK_BACKEND=auto \
    MCDESK_KERNEL_CACHE=/tmp/mcdesk-kernels \
    NUMBA_CACHE_DIR=/tmp/numba \
    CUPY_CACHE_DIR=/tmp/cupy \
    XDG_CACHE_HOME=/tmp/cache \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
WORKDIR /home/mcdesk
VOLUME ["/data/results"]
USER 10001:10001
EXPOSE 8000
# No curl in the image: Python's own urllib asks /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MCDESK_SERVICE_PORT', '8000'), timeout=4)"]
CMD ["mcdesk-service"]
