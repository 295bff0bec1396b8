/*
** libcurl, loaded the first time something sends HTTP (alerts, the
** ClickHouse backend) instead of at every start: libcurl brings ~35 shared
** libraries (GnuTLS, Kerberos, LDAP, SSH, ...) whose loading and
** constructors took 2.7 ms and 7 MB of RSS from every `faultline` run,
** most of which never send anything. The types and constants still come
** from <curl/curl.h>; the library is Debian's libcurl.so.4.
**
** Must never: be called before fl_curl() said the library is there, or
** unload it (handles may live until the process ends).
*/
#ifndef FL_COMMON_CURL_H
#define FL_COMMON_CURL_H

#include <curl/curl.h>

typedef struct fl_curl_api {
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
  CURLcode (*easy_perform)(CURL *h);
  CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
  void (*easy_reset)(CURL *h);
  void (*easy_cleanup)(CURL *h);
  const char *(*easy_strerror)(CURLcode code);
  char *(*easy_escape)(CURL *h, const char *s, int n);
  void (*str_free)(void *p);
  struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
  void (*slist_free_all)(struct curl_slist *l);
  CURLcode (*global_init)(long flags); /* called once, by fl_curl */
} fl_curl_api;

/* The library, loaded and globally initialised once (thread-safe); NULL
** when it cannot be, with *why saying so. */
const fl_curl_api *fl_curl(const char **why);

#endif
