#!/usr/bin/env bash
# A new user's package outside the repository, depending on swift-cosign by path with only the offline verifier
# (`traits: []`, the `Sigstore` product): one import and five lines verify the CPython 3.12.5 release bundle against the
# production trusted root and print the signer; the same program with an empty identity fails when the policy is built;
# the default configuration verifies a Rekor v2 bundle too. Prints the packages such a dependent resolves with the
# package's default traits and with none, and the modules it compiles.
#
# Environment:
#   SWIFT_COSIGN_VECTORS  the shared vectors (default: ../shared/vectors beside the checkout)
#   CONSUMER_DIR          where the package is made (default: a new temporary directory, removed at the end)
#   CI                    when "true", missing vectors fail instead of skipping
set -euo pipefail

root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
vectors=${SWIFT_COSIGN_VECTORS:-$root/../shared/vectors}
if [[ ! -f $vectors/MANIFEST.md ]]; then
    if [[ ${CI:-} == true ]]; then echo "library-consumer: the shared vectors are missing ($vectors)" >&2; exit 1; fi
    echo "library-consumer: skipped, the shared vectors are missing ($vectors; set SWIFT_COSIGN_VECTORS)"
    exit 0
fi

if [[ -n ${CONSUMER_DIR:-} ]]; then
    work=$CONSUMER_DIR; mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/swift-cosign-consumer.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi

# $1: package directory, $2: the traits clause of the dependency ("" for the package's defaults)
make_package() {
    mkdir -p "$1/Sources/verify"
    cat > "$1/Package.swift" <<EOF
// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "verify",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "swift-cosign", path: "$root"$2)],
    targets: [.executableTarget(name: "verify", dependencies: [.product(name: "Sigstore", package: "swift-cosign")])]
)
EOF
    # The whole program: one import, five lines.
    cat > "$1/Sources/verify/main.swift" <<'EOF'
import Sigstore
let args = CommandLine.arguments
let verifier = SigstoreVerifier(trustMaterial: try TrustMaterial(contentsOf: args[1]))
let result = try await verifier.verify(
    bundleAt: args[2], artifact: .digest(try ArtifactDigest(parsing: args[3])), identity: args[4], issuer: args[5])
print(result.subjectAlternativeName ?? "")
EOF
}

dependencies() { (cd "$1" && swift package show-dependencies --format flatlist 2>/dev/null | sort -u | sed 's/^/    /'); }

make_package "$work/defaults" ""
make_package "$work/verify-only" ", traits: []"
echo "library-consumer: packages resolved by a dependent with swift-cosign's default traits (Networking):"
dependencies "$work/defaults"
echo "library-consumer: packages resolved by a verify-only dependent (traits: []):"
dependencies "$work/verify-only"
if dependencies "$work/verify-only" | grep -Eq 'async-http-client|swift-nio|argument-parser'; then
    echo "library-consumer: FAILED: a verify-only dependent resolves a networking package" >&2; exit 1
fi

echo "library-consumer: building the verify-only dependent ($(grep -cv '^import' "$work/verify-only/Sources/verify/main.swift") lines beyond its import)"
(cd "$work/verify-only" && swift build 2>&1 | grep -E 'error|warning|Compiling|Build complete' | grep -v '^\[' | tail -5)
binary=$work/verify-only/.build/debug/verify
[[ -x $binary ]] || { echo "library-consumer: FAILED: the dependent did not build" >&2; exit 1; }
echo "library-consumer: modules it compiled: $(cd "$work/verify-only/.build/debug/Modules" && ls -- *.swiftmodule | sed 's/\.swiftmodule$//' | tr '\n' ' ')"

failures=0
fail() { echo "library-consumer: FAILED: $*" >&2; failures=$((failures + 1)); }

cpython=(
    "$vectors/trusted_roots/public-good-production.json"
    "$vectors/cpython-release-tracker/3.12.5/bundle.sigstore.json"
    sha256:fba3a6fdbafb3dfae6afb39d3024607e0d324a5065e270c144cac0c4e892e153
)
out=$("$binary" "${cpython[@]}" thomas@python.org https://accounts.google.com 2>&1) || fail "the CPython bundle: $out"
[[ $out == thomas@python.org ]] || fail "the CPython bundle printed '$out'"
echo "library-consumer: CPython 3.12.5 (Rekor v1) verified, signed by $out"

if out=$("$binary" "${cpython[@]}" "" https://accounts.google.com 2>&1); then
    fail "an empty identity verified: $out"
elif [[ $out != *"an identity matcher needs a non-empty exact value"* ]]; then
    fail "an empty identity failed for another reason: $out"
else
    echo "library-consumer: an empty identity refused when the policy is built: $(grep -o 'an identity matcher needs a non-empty exact value[^"]*' <<<"$out" | head -1)"
fi

if out=$("$binary" "${cpython[@]}" hugo@python.org https://accounts.google.com 2>&1); then
    fail "another identity verified: $out"
fi

beacon=$vectors/conformance/bundle-verify/rekor2-checkpoint-cosigned
workflow=https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main
out=$("$binary" "$beacon/trusted_root.json" "$beacon/bundle.sigstore.json" \
    sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf \
    "$workflow" https://token.actions.githubusercontent.com 2>&1) || fail "the Rekor v2 bundle: $out"
[[ $out == "$workflow" ]] || fail "the Rekor v2 bundle printed '$out'"
echo "library-consumer: a Rekor v2 bundle verified by the default configuration, signed by $out"

if ((failures > 0)); then echo "library-consumer: $failures check(s) failed" >&2; exit 1; fi
echo "library-consumer: all checks passed"
