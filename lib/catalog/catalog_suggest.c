/*
** "Did you mean ...?" for unknown names: the known symbol (error code or
** enum), or one of a caller's names (commands, options), closest to the
** word by case-insensitive edit distance. Only used on the error path of
** the CLI, so a plain O(n*m) distance is fine; words are capped so hostile
** input cannot make it slow.
*/
#include <ctype.h>
#include <string.h>

#include "faultline.h"

#define MAX_WORD 96

static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > MAX_WORD || lb > MAX_WORD) return (size_t)-1;
  size_t row[MAX_WORD + 1];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      int same = toupper((unsigned char)a[i - 1]) ==
                 toupper((unsigned char)b[j - 1]);
      size_t best = diag + (same ? 0 : 1);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

static void consider(const char *word, const char *candidate,
                     const char **best, size_t *best_d) {
  size_t d = edit_distance(word, candidate);
  if (d < *best_d) {
    *best_d = d;
    *best = candidate;
  }
}

const char *fl_catalog_suggest_from(const char *word, const char *const *names,
                                    size_t count) {
  if (!word || !*word || strlen(word) > MAX_WORD) return NULL;
  const char *best = NULL;
  size_t best_d = (size_t)-1;
  for (size_t i = 0; names && i < count; i++)
    if (names[i]) consider(word, names[i], &best, &best_d);
  size_t limit = strlen(word) / 3 + 1; /* a typo, not a different word */
  return best_d <= limit ? best : NULL;
}

const char *fl_catalog_suggest(const char *word) {
  if (!word || !*word || strlen(word) > MAX_WORD) return NULL;
  const char *best = NULL;
  size_t best_d = (size_t)-1;
  for (size_t i = 0; i < fl_catalog_code_count(); i++)
    consider(word, fl_catalog_code_at(i)->symbol, &best, &best_d);
  for (size_t i = 0; i < fl_catalog_enum_value_count(); i++)
    consider(word, fl_catalog_enum_value_at(i)->symbol, &best, &best_d);
  /* Close means a typo, not a different word: at most a third wrong. */
  size_t limit = strlen(word) / 3 + 1;
  return best_d <= limit ? best : NULL;
}
