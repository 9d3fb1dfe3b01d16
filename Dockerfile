# testguard for CI systems other than GitHub Actions (GitLab, Jenkins, ...):
#
#   docker build -t testguard .
#   docker run --rm -v "$PWD:/src" -w /src testguard check
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/src" -w /src testguard baseline
#
# As your own user (--user), testguard can write into the project: --output,
# --summary, the baseline.
#
# The static checks (check, mocks, exits, fallbacks) need nothing else. Checks that
# import, type-check or run the project (imports, mypy, coverage, collect) need the
# project's dependencies in the image: build FROM this image and install them.
ARG PYTHON_IMAGE=python:3.12-slim
FROM ${PYTHON_IMAGE}

ARG DEBIAN_FRONTEND=noninteractive
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# git for --diff-base; the mounted project belongs to another user, so git must
# be told to trust it.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/* \
    && git config --system --add safe.directory '*' \
    && useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin testguard

# testguard lives in its own venv, so the image's python3 stays the project's
# interpreter (testguard never type-checks or imports a project with its own env).
# Dependencies pinned by docker/constraints.txt; bytecode compiled at install
# (pip's default), so no run pays for compiling testguard, mypy and ast-grep.
COPY pyproject.toml README.md /build/
COPY docker/constraints.txt /build/docker/
COPY hooks /build/hooks
RUN python3 -m venv /opt/testguard \
    && PIP_CONSTRAINT=/build/docker/constraints.txt \
       /opt/testguard/bin/pip install --no-cache-dir /build \
    && /opt/testguard/bin/pip uninstall --yes --quiet pip setuptools \
    && rm -rf /build \
    && ln -s /opt/testguard/bin/testguard /usr/local/bin/testguard \
    && testguard --version

# The mounted project belongs to the host user: the image's user 10001 can read
# it but not write reports or the baseline into it. testguard says so, pointing
# at `--user "$(id -u):$(id -g)"`, when it knows it runs here.
ENV TESTGUARD_CONTAINER=1

USER 10001:10001
WORKDIR /src
ENTRYPOINT ["testguard"]
CMD ["--help"]
