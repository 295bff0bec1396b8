# libFuzzer targets, included by the top-level Makefile.
#
#   make fuzz-build                 build every target into build/fuzz/
#   make fuzz                       build, then run every target side by side
#                                   until stopped (Ctrl-C)
#   make fuzz FUZZ_SECONDS=600      ... each for 600 s, then stop
#   make fuzz FUZZ_TARGETS=evtx     only these targets
#
# Targets are listed in fuzz/targets (one line each) and live in
# fuzz/fuzz_NAME.c. The library sources are compiled here with clang and the
# fuzzer/ASan/UBSan instrumentation into their own objects (build/fuzz/obj),
# never mixed with build/release or build/asan. See fuzz/README.md.
#
# Must never: change what `make`/`make test` build, or need anything but
# clang and its libFuzzer runtime (Debian libclang-rt-14-dev).

FUZZ_CC      ?= clang
FUZZ_DIR     := build/fuzz
FUZZ_SAN     := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# Same -I and -std as the product; warnings shown but not fatal here, so a
# clang-only warning cannot hide a crash (gcc -Werror guards the tree).
FUZZ_CFLAGS   = $(CSTD) $(filter-out -Werror,$(WARN)) -g -O1 \
                -fno-omit-frame-pointer $(FUZZ_SAN) $(INCS) -pthread \
                -DFL_VERSION=\"$(VERSION)\" -DFL_FUZZING
FUZZ_TARGETS ?= $(shell sed -n 's/^\([A-Za-z0-9_]\{1,\}\)[[:space:]].*/\1/p' fuzz/targets)
FUZZ_SECONDS ?= 0

FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BINS     = $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

# An archive, so each target links only the parts of the library it uses.
$(FUZZ_DIR)/libfaultline_fuzz.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/fuzz/fuzz_%.o $(FUZZ_DIR)/libfaultline_fuzz.a
	$(FUZZ_CC) $(FUZZ_SAN) -pthread -o $@ $< $(FUZZ_DIR)/libfaultline_fuzz.a $(LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@pids=""; for t in $(FUZZ_TARGETS); do \
	  bash fuzz/run.sh $$t $(FUZZ_SECONDS) & pids="$$pids $$!"; \
	done; rc=0; for p in $$pids; do wait $$p || rc=1; done; exit $$rc

.PHONY: fuzz fuzz-build

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_TARGETS:%=$(FUZZ_DIR)/obj/fuzz/fuzz_%.d)
