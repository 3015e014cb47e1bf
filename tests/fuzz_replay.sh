#!/bin/bash
# fuzz_replay.sh - each libFuzzer harness of tests/fuzz linked with this
# build's compiler against this build's objects of exactly the daemon
# sources tests/fuzz/run lists for it, and its seed corpus run once
# through it.  The fuzzing itself (clang, libFuzzer, minutes) runs in
# contrib/run-tests; this is what make check can afford: a list that
# misses a file the harness now needs fails here, in seconds, instead of
# in CI, and the committed corpus stays a regression test.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init fuzz_replay
t_require pkg-config

out=$("$T_TESTS_DIR/fuzz/run" --replay --build "${top_builddir:-.}" --out "$T/fuzz" 2>&1)
rc=$?
[ "$rc" = 77 ] && t_skip "$out"
echo "$out"
t_assert_eq 0 "$rc" "every harness links with its listed sources and passes its seed corpus"
harnesses=$(cd "$T_TESTS_DIR/fuzz" && ls fuzz_*.c | wc -l)
t_assert_eq "$harnesses" "$(grep -c '^PASS: fuzz_[a-z]*: replayed [1-9][0-9]* inputs$' <<<"$out")" \
	"each of the $harnesses harnesses replays a corpus"
t_done
