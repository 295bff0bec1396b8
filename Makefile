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
LIBS        = -lm -lsqlite3 -lexpat -lyajl -lz $(shell pkg-config --libs libevent libevent_openssl libevent_pthreads openssl libsystemd)

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

$(O)/tests/%: $(O)/tests/unit/%.o $(O)/libfaultline.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(O)/libfaultline.a $(LIBS)

$(O)/faultline.pc: faultline.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

samples: $(O)/faultline scripts/samples
	scripts/samples $(O)/faultline samples

test:
	$(MAKE) BUILD=asan all
	$(MAKE) BUILD=release all
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
	clang-tidy --quiet $(LIB_SRC) $(CLI_SRC) -- $(CSTD) $(INCS) -pthread -DFL_VERSION=\"$(VERSION)\"

.PHONY: all test install clean tidy samples
.SECONDARY:

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_SRC:tests/unit/%.c=$(O)/tests/unit/%.d)
-include fuzz/fuzz.mk
