#!/usr/bin/env bash
# `make install` into a staging dir, then build SDK-style code against the
# installed header and library with pkg-config, statically and shared.
source "$FL_ROOT/tests/cli_lib.sh"
cd "$FL_ROOT"
if make -s install DESTDIR="$TMP/stage" PREFIX=/opt/faultline >"$TMP/log" 2>&1; then echo "PASS install"; else
  echo "FAIL install: $(tail -5 "$TMP/log")"; exit 1; fi
for f in opt/faultline/bin/faultline opt/faultline/include/faultline.h opt/faultline/include/faultline/wfp_types.h \
         opt/faultline/include/faultline/wfp_enums.def opt/faultline/lib/libfaultline.a opt/faultline/lib/libfaultline.so \
         opt/faultline/lib/pkgconfig/faultline.pc opt/faultline/share/man/man1/faultline.1 \
         opt/faultline/share/bash-completion/completions/faultline opt/faultline/share/zsh/site-functions/_faultline; do
  if [ -e "$TMP/stage/$f" ]; then echo "PASS installed $f"; else echo "FAIL installed $f: missing"; fi
done
export PKG_CONFIG_SYSROOT_DIR="$TMP/stage" PKG_CONFIG_LIBDIR="$TMP/stage/opt/faultline/lib/pkgconfig"
# static: the archive itself, plus the private libs pkg-config names
if cc -std=c11 -Wall -Wextra -Werror tests/sdk/sdk_compat.c $(pkg-config --cflags faultline) \
     "$TMP/stage/opt/faultline/lib/libfaultline.a" $(pkg-config --libs-only-other --static faultline) -lm \
     -o "$TMP/compat" 2>"$TMP/cc.log"; then
  if out=$("$TMP/compat"); then echo "PASS sdk-compat static: $out"; else echo "FAIL sdk-compat static: ran '$out'"; fi
else echo "FAIL sdk-compat static: $(head -c 600 "$TMP/cc.log")"; fi
if cc -std=c11 -Wall -Wextra -Werror tests/sdk/sdk_compat.c $(pkg-config --cflags --libs faultline) -o "$TMP/compat_so" 2>"$TMP/cc2.log" &&
   LD_LIBRARY_PATH="$TMP/stage/opt/faultline/lib" "$TMP/compat_so" >/dev/null; then echo "PASS sdk-compat shared"; else
  echo "FAIL sdk-compat shared: $(head -c 600 "$TMP/cc2.log")"; fi
# every public header compiles on its own, included first
for h in "$TMP"/stage/opt/faultline/include/faultline/*.h; do
  name=faultline/$(basename "$h")
  if printf '#include <%s>\nint main(void) { return 0; }\n' "$name" |
     cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$TMP/stage/opt/faultline/include" -x c - 2>"$TMP/h.log"; then
    echo "PASS header $name stands alone"
  else echo "FAIL header $name stands alone: $(head -c 300 "$TMP/h.log")"; fi
done
"$TMP/stage/opt/faultline/bin/faultline" --version >"$TMP/out" 2>&1
expect_out "installed binary runs" '^faultline [0-9]'
