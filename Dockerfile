# testguard for CI systems other than GitHub Actions (GitLab, Jenkins, ...):
#
#   docker build -t testguard .
#   docker run --rm -v "$PWD:/src" -w /src testguard check
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
COPY pyproject.toml README.md /build/
COPY hooks /build/hooks
RUN python3 -m venv /opt/testguard \
    && /opt/testguard/bin/pip install --no-cache-dir --no-compile /build \
    && /opt/testguard/bin/pip uninstall --yes --quiet pip setuptools \
    && rm -rf /build \
    && find /opt/testguard -name __pycache__ -type d -prune -exec rm -rf {} + \
    && ln -s /opt/testguard/bin/testguard /usr/local/bin/testguard \
    && testguard --version

USER 10001:10001
WORKDIR /src
ENTRYPOINT ["testguard"]
CMD ["--help"]
