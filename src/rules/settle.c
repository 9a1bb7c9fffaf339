/* settle.c - the rule for reading a changed rules file (settle.h). */
#include "rules/settle.h"

#include <string.h>

void pf_settle_init(struct pf_rules_settle *s,
                    const struct pf_rules_stamp *in_force, uint64_t settle_ms) {
  memset(s, 0, sizeof(*s));
  s->handled = *in_force;
  s->seen = *in_force;
  s->settle_ms = settle_ms;
}

enum pf_settle_verdict pf_settle_look(struct pf_rules_settle *s,
                                      const struct pf_rules_stamp *now,
                                      bool being_written, uint64_t now_ms) {
  if (!being_written)
    s->writing_said = false; /* said once per writer, not once per write */
  if (!pf_rules_stamp_equal(now, &s->seen)) {
    /* A change restarts the wait: the file is still being worked on. */
    s->seen = *now;
    s->seen_since_ms = now_ms;
    return pf_rules_stamp_equal(now, &s->handled) ? PF_SETTLE_NOTHING
                                                  : PF_SETTLE_WAIT;
  }
  if (pf_rules_stamp_equal(now, &s->handled))
    return PF_SETTLE_NOTHING;
  if (now_ms - s->seen_since_ms < s->settle_ms)
    return PF_SETTLE_WAIT;
  if (!now->exists) {
    s->handled = *now;
    return PF_SETTLE_MISSING;
  }
  if (being_written) {
    bool said = s->writing_said;
    s->writing_said = true;
    return said ? PF_SETTLE_WAIT : PF_SETTLE_WRITING;
  }
  return PF_SETTLE_READ;
}

void pf_settle_read(struct pf_rules_settle *s,
                    const struct pf_rules_stamp *version) {
  s->handled = *version;
  /* The version read may be newer than the last look (it changed between
   * the look and the open, and then held still): it is the one seen. */
  if (!pf_rules_stamp_equal(version, &s->seen))
    s->seen = *version;
}

void pf_settle_changed(struct pf_rules_settle *s) {
  memset(&s->seen, 0, sizeof(s->seen));
  s->seen.error = -1; /* equal to no stamp a look can give */
}
