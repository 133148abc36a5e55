#!/usr/bin/env bash
# Builds the GPU verification bundle: everything the checks need on a machine with an NVIDIA GPU
# but no Java and no network, in one directory that can be copied anywhere.
#
#   tools/gpu-verify/bundle.sh [--no-build] [--no-model]
#
# Output (all under target/, which git ignores):
#   target/gpu-bundle/         the bundle (must stay under 64 MiB; the script fails otherwise)
#     jre/                     a jlinked Java 25 runtime (only the modules the checks use)
#     lib/                     xpu4j's jars, the conformance and models test classes as jars,
#                              their dependencies, and the JUnit console launcher
#     run-gpu-checks.sh        the entry point on the GPU machine (see its header)
#     minilm_torch.py          the PyTorch eager MiniLM throughput peer
#     BUILD-INFO               commit, date, versions
#   target/gpu-model-a/, target/gpu-model-b/
#                              all-MiniLM-L6-v2 (ONNX + tokenizer, ~91 MB) split in two halves,
#                              each small enough to travel on its own (see docs/verification/README.md)
#
# Build: unless --no-build, runs `./mvnw -B -o -q -pl <modules> package -DskipTests` for
# runtime-api, backend-cpu, backend-cuda, conformance, models and benchmarks (the tests are
# compiled, not run). With --no-build the jars and test classes already under each module's
# target/ are used as they are. Each Maven step runs offline first and online only when that
# fails (a plugin, a dependency or the JUnit console launcher not yet in the local repository).
# Environment: JAVA_HOME (a JDK 25+; else /usr/lib/jvm is searched), MVN_OFFLINE=1 to forbid
# going online.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$(pwd)

BUILD=1
MODEL=1
for a in "$@"; do
  case "$a" in
    --no-build) BUILD=0 ;;
    --no-model) MODEL=0 ;;
    *) echo "bundle.sh: unknown argument '$a' (allowed: --no-build, --no-model)" >&2; exit 2 ;;
  esac
done

BUNDLE=target/gpu-bundle
MODEL_A=target/gpu-model-a
MODEL_B=target/gpu-model-b
LIMIT=$((64 * 1024 * 1024))
VERSION=0.1.0-SNAPSHOT
MODULES=runtime-api,backend-cpu,backend-cuda,conformance,models,benchmarks

# Maven offline first; when that fails (a plugin or dependency not yet in the local repository),
# once more online unless MVN_OFFLINE=1 forbids it
mvn() {
  if ./mvnw -B -o -q "$@" </dev/null; then
    return 0
  fi
  if [ "${MVN_OFFLINE:-0}" = 1 ]; then
    return 1
  fi
  echo "== offline Maven failed; trying again online"
  ./mvnw -B -q "$@" </dev/null
}

# ---------------------------------------------------------------- a JDK 25+ with jlink
find_jdk() {
  local c v
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/jlink" ] || continue
    v=$("$c/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then
      echo "$c"
      return 0
    fi
  done
  echo "bundle.sh: no JDK 25+ with jlink found (set JAVA_HOME)" >&2
  return 1
}
JDK=$(find_jdk)
echo "== JDK: $JDK"

# ---------------------------------------------------------------- build
if [ "$BUILD" = 1 ]; then
  echo "== building $MODULES (package, tests compiled but not run)"
  mvn -pl "$MODULES" package -DskipTests
fi
for m in runtime-api backend-cpu backend-cuda conformance models benchmarks; do
  jar="$m/target/xpu4j-$m-$VERSION.jar"
  [ -f "$jar" ] || { echo "bundle.sh: $jar is missing (run without --no-build)" >&2; exit 1; }
done
for d in conformance/target/test-classes models/target/test-classes; do
  [ -d "$d" ] || { echo "bundle.sh: $d is missing (run without --no-build)" >&2; exit 1; }
done

rm -rf "$BUNDLE"
mkdir -p "$BUNDLE/lib"

# ---------------------------------------------------------------- jars
for m in runtime-api backend-cpu backend-cuda conformance models benchmarks; do
  cp "$m/target/xpu4j-$m-$VERSION.jar" "$BUNDLE/lib/"
done
"$JDK/bin/jar" --create --file "$BUNDLE/lib/xpu4j-conformance-tests.jar" -C conformance/target/test-classes .
"$JDK/bin/jar" --create --file "$BUNDLE/lib/xpu4j-models-tests.jar" -C models/target/test-classes .
if ! "$JDK/bin/jar" --list --file "$BUNDLE/lib/xpu4j-backend-cuda-$VERSION.jar" | grep -q '\.class$'; then
  echo "== note: backend-cuda has no classes yet: the checks will report the cuda backend as not on the classpath"
fi

# Third-party runtime jars of the benchmarks (jackson, JMH, the JavaCPP/OpenBLAS class jars that
# GemmBench links against, without their native libraries), minus JUnit (the console launcher
# carries it) and ONNX Runtime (a CPU peer; its native library alone is larger than the bundle may be).
echo "== dependencies"
mvn -pl benchmarks dependency:copy-dependencies -DincludeScope=runtime \
  -DexcludeGroupIds=io.xpu4j,org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian,com.microsoft.onnxruntime \
  -DexcludeClassifiers=linux-x86_64 -DoutputDirectory="$ROOT/$BUNDLE/lib"

# the console launcher matching the parent pom's JUnit (Jupiter 5.x ships with Platform 1.x)
JUNIT=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml | head -1)
case "$JUNIT" in
  5.*) PLATFORM="1.${JUNIT#5.}" ;;
  *) PLATFORM="$JUNIT" ;;
esac
CONSOLE=org.junit.platform:junit-platform-console-standalone:$PLATFORM
mvn dependency:copy -Dartifact="$CONSOLE" -DoutputDirectory="$ROOT/$BUNDLE/lib"
mv "$BUNDLE/lib/junit-platform-console-standalone-$PLATFORM.jar" "$BUNDLE/junit-console.jar"

# ---------------------------------------------------------------- runtime image
# The modules found with jdeps over the bundle's jars: java.base, java.logging (JUnit),
# java.management (JMH forks and reads its own JVM), java.xml (the XML test reports),
# jdk.unsupported (sun.misc.Unsafe for JMH and JavaCPP's class init), jdk.incubator.vector
# (the CPU backend). jdk.management for JMH's GC and thread statistics.
MODS=java.base,java.logging,java.management,jdk.management,java.xml,jdk.unsupported,jdk.incubator.vector
echo "== jlink $MODS"
"$JDK/bin/jlink" --add-modules "$MODS" --strip-debug --no-header-files --no-man-pages --compress=zip-9 \
  --strip-native-debug-symbols=exclude-debuginfo-files --output "$BUNDLE/jre" 2>&1 | grep -v 'incubator modules' || true
[ -x "$BUNDLE/jre/bin/java" ] || { echo "bundle.sh: jlink produced no runtime" >&2; exit 1; }

# ---------------------------------------------------------------- scripts and build info
cp tools/gpu-verify/run-gpu-checks.sh tools/gpu-verify/minilm_torch.py "$BUNDLE/"
chmod +x "$BUNDLE/run-gpu-checks.sh"
COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  COMMIT="$COMMIT (with uncommitted changes)"
fi
{
  echo "commit: $COMMIT"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "java: $("$BUNDLE/jre/bin/java" -version 2>&1 | head -1)"
  echo "junit-platform: $PLATFORM"
  echo "modules: $MODS"
} > "$BUNDLE/BUILD-INFO"

# ---------------------------------------------------------------- the model, in two halves
if [ "$MODEL" = 1 ]; then
  SRC=models/target/model-files
  ONNX=$SRC/all-minilm-l6-v2.onnx
  TOK=$SRC/all-minilm-l6-v2-tokenizer.json
  if [ -f "$ONNX" ] && [ -f "$TOK" ]; then
    rm -rf "$MODEL_A" "$MODEL_B"
    mkdir -p "$MODEL_A" "$MODEL_B"
    size=$(stat -c %s "$ONNX")
    half=$(( (size + 1) / 2 ))
    head -c "$half" "$ONNX" > "$MODEL_A/all-minilm-l6-v2.onnx.part-1"
    tail -c +"$((half + 1))" "$ONNX" > "$MODEL_B/all-minilm-l6-v2.onnx.part-2"
    cp "$TOK" "$MODEL_A/"
    (cd "$SRC" && sha256sum all-minilm-l6-v2.onnx all-minilm-l6-v2-tokenizer.json) > "$MODEL_A/SHA256SUMS"
    echo "== model halves: $MODEL_A ($(du -sm "$MODEL_A" | cut -f1) MiB), $MODEL_B ($(du -sm "$MODEL_B" | cut -f1) MiB)"
  else
    echo "== model files not found under $SRC (build the models module): no model halves written"
  fi
fi

# ---------------------------------------------------------------- size
bytes=$(du -sb "$BUNDLE" | cut -f1)
tree=$({ git ls-files -z; git ls-files -z --others --exclude-standard; } | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
awk -v b="$bytes" -v t="${tree:-0}" -v d="$BUNDLE" \
  'BEGIN { printf "== bundle: %s, %.1f MiB (%d bytes); the working tree beside it: %.1f MiB\n", d, b / 1048576, b, t / 1048576 }'
if [ "$bytes" -gt "$LIMIT" ]; then
  echo "bundle.sh: the bundle is over 64 MiB ($bytes bytes)" >&2
  exit 1
fi
if [ $((bytes + ${tree:-0})) -gt "$LIMIT" ]; then
  echo "== warning: bundle and working tree together are over 64 MiB: the bundle cannot travel with this tree" >&2
fi
