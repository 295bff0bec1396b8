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
# faultline.h brings no SDK type names (int GUID; compiles), versions agree
for how in static shared; do
  if [ $how = static ]; then
    link=("$TMP/stage/opt/faultline/lib/libfaultline.a" $(pkg-config --libs-only-other --static faultline) -lm)
  else link=($(pkg-config --libs faultline)); fi
  if cc -std=c11 -Wall -Wextra -Werror tests/sdk/no_sdk_names.c $(pkg-config --cflags faultline) "${link[@]}" \
       -o "$TMP/nosdk_$how" 2>"$TMP/ns.log"; then
    if out=$(LD_LIBRARY_PATH="$TMP/stage/opt/faultline/lib" "$TMP/nosdk_$how"); then
      echo "PASS no SDK names through faultline.h ($how, version $out)"
    else echo "FAIL no SDK names ($how): ran '$out'"; fi
  else echo "FAIL no SDK names through faultline.h ($how): $(head -c 600 "$TMP/ns.log")"; fi
done
# the shared library exports exactly the FL_API functions of the headers
so="$TMP/stage/opt/faultline/lib/libfaultline.so"
nm -D --defined-only "$so" | awk '{print $3}' | sort -u >"$TMP/exported"
cat "$TMP"/stage/opt/faultline/include/faultline.h "$TMP"/stage/opt/faultline/include/faultline/*.h |
  tr '\n' ' ' | grep -o 'FL_API [^;{]*' | grep -o 'fl_[a-z0-9_]*[[:space:]]*(' | tr -d ' (' | sort -u >"$TMP/declared"
extra=$(comm -23 "$TMP/exported" "$TMP/declared" | head -20 | tr '\n' ' ')
missing=$(comm -13 "$TMP/exported" "$TMP/declared" | head -20 | tr '\n' ' ')
if [ -s "$TMP/exported" ] && [ -z "$extra" ]; then echo "PASS .so exports only the API ($(wc -l <"$TMP/exported") symbols)"
else echo "FAIL .so exports symbols no header marks FL_API: $extra"; fi
if [ -z "$missing" ]; then echo "PASS every FL_API function is in the .so"
else echo "FAIL FL_API functions the .so lacks: $missing"; fi
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
