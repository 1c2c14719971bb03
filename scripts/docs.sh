#!/usr/bin/env bash
# Builds the DocC catalogues of the package's library products (Sources/<Target>/<Target>.docc) from an existing
# debug build: extracts each module's public symbol graph with swift-symbolgraph-extract, then runs `docc convert`
# with warnings treated as errors. Nothing is compiled; run `swift build` first.
#
# Usage: scripts/docs.sh [BUILD_DIR]
#
# Environment:
#   DOCS_BUILD_DIR  the build directory when no argument is given (default: .build/debug; relative to the repository)
#   DOCS_TARGETS    the targets to build, separated by spaces (default: every library product of Package.swift)
#   DOCS_JOBS       catalogues built at once (default: the number of processors)
#   DOCC, SYMBOLGRAPH_EXTRACT  the tools (default: found on PATH, else beside swift)
#
# Writes BUILD_DIR/docs/<Target>.doccarchive. Prints one line per catalogue and exits non-zero when any catalogue
# has a warning or an error (its diagnostics are printed).
set -euo pipefail

root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"

build_dir=${1:-${DOCS_BUILD_DIR:-.build/debug}}
[[ $build_dir == /* ]] || build_dir=$root/$build_dir
modules=$build_dir/Modules
if [[ ! -d $modules ]]; then
    echo "docs.sh: $modules does not exist; build the package first (swift build)" >&2
    exit 2
fi
build_dir=$(cd "$build_dir" && pwd -P)
modules=$build_dir/Modules

# Every library product of Package.swift (each is one target of the same name) has a catalogue.
default_targets=$(sed -n 's/^ *\.library(name: "\([A-Za-z0-9_]*\)".*/\1/p' Package.swift)
read -r -a targets <<<"$(echo ${DOCS_TARGETS:-$default_targets})"
if ((${#targets[@]} == 0)); then
    echo "docs.sh: no library product found in Package.swift" >&2
    exit 2
fi

tool() {
    local name=$1 override=$2
    if [[ -n $override ]]; then echo "$override"; return; fi
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    local swift
    swift=$(command -v swift 2>/dev/null) || { echo "docs.sh: $name not found (set it in the environment)" >&2; exit 2; }
    swift=$(readlink -f "$swift")
    [[ -x $(dirname "$swift")/$name ]] || { echo "docs.sh: $name not found beside $swift" >&2; exit 2; }
    echo "$(dirname "$swift")/$name"
}
docc=$(tool docc "${DOCC:-}")
extract=$(tool swift-symbolgraph-extract "${SYMBOLGRAPH_EXTRACT:-}")

# The target triple and the C module maps the Swift modules import (scripts/swift_modules.py, shared with the API check).
triple=$(python3 "$root/scripts/swift_modules.py" triple)
mapfile -t module_maps < <(python3 "$root/scripts/swift_modules.py" flags "$build_dir")

# The package modules a target re-exports (`@_exported import`), transitively: an umbrella's symbol graph takes in
# theirs (an experimental flag of swift-symbolgraph-extract), so its catalogue documents, and links to, everything its
# one import brings. Without it, Sigstore's graph would hold only its own three extensions.
reexports() {
    local target=$1 seen=" $2 " module
    for module in $(sed -n 's/^@_exported import \([A-Za-z0-9_]*\).*/\1/p' "$root/Sources/$target"/*.swift 2>/dev/null); do
        [[ $seen == *" $module "* || ! -d $root/Sources/$module ]] && continue
        seen=" $(reexports "$module" "$seen$module ") "
    done
    echo $seen
}

work=$(mktemp -d "$build_dir/docs-symbol-graphs.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$build_dir/docs"

# Builds one catalogue; writes the line to print to $work/<target>.result and its diagnostics to $work/<target>.log.
document() {
    local target=$1 t0=$SECONDS
    local catalogue=$root/Sources/$target/$target.docc graphs=$work/$target log=$work/$target.log
    local archive=$build_dir/docs/$target.doccarchive result=$work/$target.result
    mkdir -p "$graphs"
    : >"$log"
    if [[ ! -d $catalogue ]]; then
        echo "FAIL $target: no catalogue at Sources/$target/$target.docc" >"$result"
        return 1
    fi

    local args=(-module-name "$target" -I "$modules" -target "$triple" -minimum-access-level public
        -skip-synthesized-members -emit-extension-block-symbols -module-cache-path "$work/module-cache"
        -output-dir "$graphs")
    local exported
    exported=$(reexports "$target" "")
    [[ -z $exported ]] || args+=("-experimental-allowed-reexported-modules=${exported// /,}")
    if ! "$extract" "${args[@]}" "${module_maps[@]}" >>"$log" 2>&1; then
        echo "FAIL $target: swift-symbolgraph-extract failed" >"$result"
        return 1
    fi

    rm -rf "$archive"
    local status=0
    "$docc" convert "$catalogue" \
        --additional-symbol-graph-dir "$graphs" \
        --fallback-display-name "$target" \
        --fallback-bundle-identifier "dev.swift-cosign.$target" \
        --fallback-default-module-kind "Framework" \
        --output-path "$archive" \
        --warnings-as-errors >>"$log" 2>&1 || status=$?
    # --warnings-as-errors fails the run on a warning; a warning printed anyway (or an error) fails it here too.
    if ((status != 0)) || grep -qE '^(warning|error):' "$log"; then
        echo "FAIL $target: docc convert ($((SECONDS - t0))s)" >"$result"
        return 1
    fi
    local symbols
    symbols=$(cat "$graphs"/*.symbols.json | grep -o '"kind":{"identifier":"swift\.[^"]*"' | grep -vc 'swift\.extension' || true)
    echo "ok   $target: $symbols symbols, $((SECONDS - t0))s -> ${archive#"$root"/}" >"$result"
}

# Catalogues are built DOCS_JOBS at a time (docc spends much of a run writing the archive's many small files); the
# lines are printed in the order of the targets.
jobs=${DOCS_JOBS:-$(nproc 2>/dev/null || echo 2)}
start=$SECONDS
running=0
for target in "${targets[@]}"; do
    if ((running >= jobs)); then
        wait -n || true
        running=$((running - 1))
    fi
    document "$target" &
    running=$((running + 1))
done
wait || true

built=0
failed=()
for target in "${targets[@]}"; do
    if [[ -f $work/$target.result ]] && grep -q '^ok ' "$work/$target.result"; then
        cat "$work/$target.result"
        built=$((built + 1))
    else
        cat "$work/$target.result" 2>/dev/null || echo "FAIL $target: did not finish"
        grep -vE '^(Finished|Generated documentation archive)' "$work/$target.log" 2>/dev/null | sed 's/^/    /' || true
        failed+=("$target")
    fi
done

echo "$built of ${#targets[@]} catalogues built in $((SECONDS - start))s with $jobs jobs (warnings are errors);" \
    "archives in ${build_dir#"$root"/}/docs"
if ((${#failed[@]} > 0)); then
    echo "docs.sh: failed: ${failed[*]}" >&2
    exit 1
fi
