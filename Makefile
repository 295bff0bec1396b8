# faultline build.
#
# Plain GNU make on purpose (see docs/build.md): no generator step, nothing to
# install beyond a C compiler, and the file list follows the layout, so a new
# lib/<stage>/*.c or tests/unit/test_*.c is picked up without editing this file.
#
#   make                 release build: build/release/{faultline,libfaultline.a,libfaultline.so}
#   make test            ASan+UBSan build, then every test (tests/run)
#   make BUILD=asan      the sanitizer build alone
#   make install PREFIX=/usr/local [DESTDIR=...]
#   make fuzz            libFuzzer targets (clang), see fuzz/README.md
#   make samples         the demo set in samples/ (faultline gen)
#   make agent           build/agent/faultline-agent.exe (mingw-w64, docs/agent.md)

BUILD   ?= release
PREFIX  ?= /usr/local
DESTDIR ?=
# The version lives in include/faultline/base.h (FAULTLINE_VERSION_*), once.
VERSION := $(shell awk '/^\#define FAULTLINE_VERSION_(MAJOR|MINOR|PATCH) /{v = v s $$3; s = "."} END {print v}' include/faultline/base.h)

CC      ?= cc
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
CSTD    := -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64
INCS    := -Iinclude -Ilib -Itests
DEPFLAGS = -MMD -MP

ifeq ($(BUILD),release)
  OPT := -O2 -g
else ifeq ($(BUILD),asan)
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else ifeq ($(BUILD),debug)
  OPT := -O0 -g
else
  $(error BUILD must be release, asan or debug)
endif

# -fvisibility=hidden: libfaultline.so exports only what the headers mark
# FL_API (include/faultline/base.h); the static library and the CLI link as
# before.
CFLAGS_ALL  = $(CSTD) $(WARN) $(OPT) $(INCS) -fPIC -fvisibility=hidden -pthread -DFL_VERSION=\"$(VERSION)\" $(CFLAGS)
LDFLAGS_ALL = $(OPT) -pthread $(LDFLAGS)
LIBS        = -lm -lsqlite3 -lexpat -lyajl -lz $(shell pkg-config --libs libevent libevent_pthreads)

O := build/$(BUILD)

LIB_SRC  := $(sort $(wildcard lib/*/*.c))
CLI_SRC  := $(sort $(wildcard src/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(O)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(O)/%.o)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(O)/tests/%)

all: $(O)/faultline $(O)/libfaultline.a $(O)/libfaultline.so $(O)/faultline.pc $(TEST_BIN)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -c $< -o $@

$(O)/libfaultline.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/libfaultline.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libfaultline.so.0 $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(O)/faultline: $(CLI_OBJ) $(O)/libfaultline.a
	$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(O)/libfaultline.a $(LIBS)

# The agent's platform-independent sources (agent/*.c) are unit-tested
# natively: tests/unit/test_agent.c links them (not agent_main.c).
AGENT_NATIVE_OBJ := $(patsubst %.c,$(O)/%.o,$(filter-out agent/agent_main.c,$(sort $(wildcard agent/*.c))))
$(O)/tests/test_agent: $(O)/tests/unit/test_agent.o $(AGENT_NATIVE_OBJ) $(O)/libfaultline.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(O)/tests/%: $(O)/tests/unit/%.o $(O)/libfaultline.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(O)/libfaultline.a $(LIBS)

$(O)/faultline.pc: faultline.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

samples: $(O)/faultline scripts/samples
	scripts/samples $(O)/faultline samples

# faultline-agent.exe: agent/ + agent/win/ and, compiled for Windows from the
# same files, the library's catalog, text escaping, time and JSON writer (no
# copies). The library's wfp.h wants the SDK types: its files get
# FL_FORCE_SDK_TYPES (its own declarations), agent files the mingw headers.
AGENT_CC      ?= x86_64-w64-mingw32-gcc
AGENT_O       := build/agent
AGENT_LIB_SRC := $(sort $(wildcard lib/catalog/*.c)) lib/common/fl_buf.c lib/common/fl_text.c \
                 lib/common/fl_time.c lib/input/input_render.c lib/input/input_text.c
AGENT_SRC     := $(sort $(wildcard agent/*.c agent/win/*.c))
AGENT_OBJ     := $(AGENT_SRC:%.c=$(AGENT_O)/%.o) $(AGENT_LIB_SRC:%.c=$(AGENT_O)/%.o)
AGENT_CFLAGS   = $(CSTD) $(WARN) -O2 $(INCS) -D_WIN32_WINNT=0x0601 -D__USE_MINGW_ANSI_STDIO=1 -DFL_VERSION=\"$(VERSION)\" $(CFLAGS)
AGENT_LIBS    := -lwevtapi -lfwpuclnt -lwinhttp -lws2_32 -lole32 -loleaut32 -lwbemuuid -ladvapi32

agent: $(AGENT_O)/faultline-agent.exe

$(AGENT_O)/faultline-agent.exe: $(AGENT_OBJ)
	$(AGENT_CC) -static -pthread -o $@ $^ $(AGENT_LIBS)

# agent_event.c calls lib/input's writer through its internal header.
$(AGENT_O)/agent/agent_event.o: AGENT_CFLAGS += -DFL_FORCE_SDK_TYPES

$(AGENT_O)/agent/%.o: agent/%.c
	@mkdir -p $(dir $@)
	@echo "  CC/win  $<"
	@$(AGENT_CC) $(AGENT_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(AGENT_O)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	@echo "  CC/win  $<"
	@$(AGENT_CC) $(AGENT_CFLAGS) -DFL_FORCE_SDK_TYPES $(DEPFLAGS) -c $< -o $@

test:
	$(MAKE) BUILD=asan all
	$(MAKE) BUILD=release all
	@if command -v $(AGENT_CC) >/dev/null 2>&1; then $(MAKE) agent; \
	 else echo "make test: $(AGENT_CC) absent, faultline-agent.exe not built (bootstrap installs gcc-mingw-w64-x86-64)"; fi
	tests/run build/asan

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include/faultline $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 755 $(O)/faultline $(DESTDIR)$(PREFIX)/bin/faultline
	install -m 644 $(O)/libfaultline.a $(DESTDIR)$(PREFIX)/lib/libfaultline.a
	install -m 755 $(O)/libfaultline.so $(DESTDIR)$(PREFIX)/lib/libfaultline.so.$(VERSION)
	ln -sf libfaultline.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libfaultline.so.0
	ln -sf libfaultline.so.0 $(DESTDIR)$(PREFIX)/lib/libfaultline.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' faultline.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/faultline.pc
	install -m 644 include/faultline.h $(DESTDIR)$(PREFIX)/include/faultline.h
	install -m 644 include/faultline/* $(DESTDIR)$(PREFIX)/include/faultline/
	install -m 644 docs/faultline.1 $(DESTDIR)$(PREFIX)/share/man/man1/faultline.1
	install -m 644 scripts/completion/faultline.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/faultline
	install -m 644 scripts/completion/_faultline $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_faultline

clean:
	rm -rf build

tidy:
	clang-tidy --quiet $(LIB_SRC) $(CLI_SRC) $(wildcard agent/*.c) -- $(CSTD) $(INCS) -pthread -DFL_VERSION=\"$(VERSION)\"

.PHONY: all test install clean tidy samples agent
.SECONDARY:

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_SRC:tests/unit/%.c=$(O)/tests/unit/%.d)
-include $(AGENT_NATIVE_OBJ:.o=.d) $(AGENT_OBJ:.o=.d)
-include fuzz/fuzz.mk
