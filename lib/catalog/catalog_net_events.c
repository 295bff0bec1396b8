/*
** Names of the records built from netsh wfp net events
** (faultline/wfp_net_event_types.def), so that no output shows faultline's
** synthetic event id as if Windows had logged it.
** Must never: name a record that did not come from netsh.
*/
#include <string.h>

#include "faultline.h"

static const struct {
  uint32_t id;
  const char *name;
} net_events[] = {
#define FL_NET_EVENT_TYPE(value, name, id) {id, name},
#include "faultline/wfp_net_event_types.def"
#undef FL_NET_EVENT_TYPE
};

const char *fl_catalog_net_event_name(const char *channel, size_t channel_len,
                                      uint32_t event_id) {
  static const char netsh_channel[] = "WFP-NetEvents"; /* FL_INPUT_WFP_CHANNEL */
  if (!channel || channel_len != sizeof netsh_channel - 1 ||
      memcmp(channel, netsh_channel, channel_len) != 0)
    return NULL;
  for (size_t i = 0; i < sizeof net_events / sizeof *net_events; i++)
    if (net_events[i].id == event_id) return net_events[i].name;
  return "netEvent"; /* type missing or unknown (id 65535) */
}
