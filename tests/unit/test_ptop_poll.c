/* test_ptop_poll.c - pcapflow-top's reads of collectd, against a fake unixsock
 * server on a socket of its own: a value collectd replaces between LISTVAL
 * and GETVAL is applied with its own time, never the old one; only
 * pcapflow's series of the chosen host and source are kept; a missing
 * socket, a socket nobody listens on, a collectd that never answers and a
 * key pressed while waiting each end the read with a clear outcome, within
 * the timeout. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <check.h>

#include "fetch.h"
#include "suites.h"

struct fake_series {
  const char *ident;
  double time;
  double v[2];
  int n;
  /* The update collectd makes while the first GETVAL is on its way. */
  bool advance;
  double next_time, next_v[2];
};

struct fake {
  char dir[64], path[128];
  int fd;
  pthread_t thread;
  volatile bool stop, mute;
  struct fake_series *series;
  int n;
  int getvals;
};

static void fake_reply(int fd, const char *text) {
  size_t len = strlen(text);
  while (len > 0) {
    ssize_t n = send(fd, text, len, MSG_NOSIGNAL);
    if (n <= 0)
      return;
    text += n;
    len -= (size_t)n;
  }
}

static void fake_listval(struct fake *f, int fd) {
  char line[256];
  snprintf(line, sizeof line, "%d Values found\n", f->n);
  fake_reply(fd, line);
  for (int i = 0; i < f->n; i++) {
    snprintf(line, sizeof line, "%.3f %s\n", f->series[i].time,
             f->series[i].ident);
    fake_reply(fd, line);
  }
}

static void fake_getval(struct fake *f, int fd, const char *arg) {
  char line[256];
  f->getvals++;
  for (int i = 0; i < f->n; i++) {
    struct fake_series *s = &f->series[i];
    char quoted[200];
    snprintf(quoted, sizeof quoted, "\"%s\"", s->ident);
    if (strcmp(arg, quoted) != 0)
      continue;
    if (s->advance) {
      s->advance = false;
      s->time = s->next_time;
      memcpy(s->v, s->next_v, sizeof s->v);
    }
    snprintf(line, sizeof line, "%d Values found\n", s->n);
    fake_reply(fd, line);
    for (int k = 0; k < s->n; k++) {
      snprintf(line, sizeof line, "%s=%e\n",
               s->n == 1 ? "value"
               : k == 0  ? "rx"
                         : "tx",
               s->v[k]);
      fake_reply(fd, line);
    }
    return;
  }
  fake_reply(fd, "-1 No such value\n");
}

/* One connection: commands until the client closes it. */
static void fake_serve(struct fake *f, int fd) {
  char buf[65536];
  size_t len = 0;
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 100) == 0) {
      if (f->stop)
        return;
      continue;
    }
    ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
    if (n <= 0)
      return;
    len += (size_t)n;
    buf[len] = '\0';
    char *nl;
    while (!f->mute && (nl = strchr(buf, '\n')) != NULL) {
      *nl = '\0';
      if (strcmp(buf, "LISTVAL") == 0)
        fake_listval(f, fd);
      else if (strncmp(buf, "GETVAL ", 7) == 0)
        fake_getval(f, fd, buf + 7);
      len -= (size_t)(nl + 1 - buf);
      memmove(buf, nl + 1, len + 1);
    }
  }
}

static void *fake_main(void *arg) {
  struct fake *f = arg;
  while (!f->stop) {
    struct pollfd p = {.fd = f->fd, .events = POLLIN};
    if (poll(&p, 1, 50) <= 0)
      continue;
    int c = accept(f->fd, NULL, NULL);
    if (c >= 0) {
      fake_serve(f, c);
      close(c);
    }
  }
  return NULL;
}

static void fake_start(struct fake *f, struct fake_series *series, int n,
                       bool listen_too) {
  memset(f, 0, sizeof *f);
  strcpy(f->dir, "/tmp/pft-unit.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(f->dir));
  snprintf(f->path, sizeof f->path, "%s/sock", f->dir);
  f->series = series;
  f->n = n;
  f->fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  strcpy(sa.sun_path, f->path);
  ck_assert_int_eq(bind(f->fd, (struct sockaddr *)&sa, sizeof sa), 0);
  if (listen_too) {
    ck_assert_int_eq(listen(f->fd, 4), 0);
    ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_main, f), 0);
  }
}

static void fake_stop(struct fake *f, bool listening) {
  f->stop = true;
  if (listening)
    pthread_join(f->thread, NULL);
  close(f->fd);
  unlink(f->path);
  rmdir(f->dir);
}

static int poll_once(struct pft_store *st, const char *path, double timeout,
                     const struct pft_filter *filter, char err[PFT_ERR_MAX]) {
  struct pft_usock u;
  pft_usock_init(&u, path, timeout, (int[]){-1, -1});
  return pft_poll(st, &u, filter, err);
}

#define TCP "h/pcapflow-lo/if_packets-tcp"

START_TEST(test_value_replaced_while_read_keeps_its_time) {
  struct fake_series series[] = {
      {TCP, 100, {1, 2}, 2, false, 0, {0, 0}},
      {"h/pcapflow-lo/gauge-capture_up", 100, {1, 0}, 1, false, 0, {0, 0}},
  };
  struct fake f;
  struct pft_store st;
  struct pft_filter filter = {NULL, NULL};
  char err[PFT_ERR_MAX];
  fake_start(&f, series, 2, true);
  ck_assert_int_eq(pft_store_init(&st), 0);
  ck_assert_int_eq(poll_once(&st, f.path, 5, &filter, err), PFT_OK);
  series[0].time = series[1].time = 102;
  series[0].v[0] = 5;
  series[0].v[1] = 6;
  ck_assert_int_eq(poll_once(&st, f.path, 5, &filter, err), PFT_OK);
  const struct pft_series *s = pft_store_get(&st, TCP);
  ck_assert_ptr_nonnull(s);
  ck_assert_double_eq(s->acc.total[0], 10); /* 5/s over 100 .. 102 */
  ck_assert_double_eq(s->acc.total[1], 12);
  /* The update of 104 is listed, and replaced by that of 106 before its
   * GETVAL is answered: 9/s is 106's rate, applied with 106's time, and
   * the step from 102 is one update longer than the interval. */
  series[0] = (struct fake_series){TCP, 104, {7, 8}, 2, true, 106, {9, 10}};
  series[1].time = 104;
  ck_assert_int_eq(poll_once(&st, f.path, 5, &filter, err), PFT_OK);
  ck_assert_double_eq(s->acc.time, 106);
  ck_assert_double_eq(s->acc.value[0], 9);
  ck_assert_uint_eq(s->acc.missed, 1);
  ck_assert_double_eq(s->acc.total[0], 10 + 9 * 2);
  ck_assert_double_eq(st.sources[s->source].clock.time, 106);
  /* Nothing changed: LISTVAL alone, no GETVAL. */
  int getvals = f.getvals;
  ck_assert_int_eq(poll_once(&st, f.path, 5, &filter, err), PFT_OK);
  ck_assert_int_eq(f.getvals, getvals);
  ck_assert_double_eq(s->acc.total[0], 10 + 9 * 2);
  pft_store_free(&st);
  fake_stop(&f, true);
}
END_TEST

START_TEST(test_only_pcapflow_of_the_chosen_source) {
  struct fake_series series[] = {
      {TCP, 100, {1, 2}, 2, false, 0, {0, 0}},
      {"h/pcapflow-eth0/if_packets-tcp", 100, {1, 2}, 2, false, 0, {0, 0}},
      {"h/pcapflow_class-lo/if_packets-web", 100, {1, 2}, 2, false, 0, {0, 0}},
      {"h/pcapflow_class-lo-p90/duration-web",
       100,
       {0.01, 0},
       1,
       false,
       0,
       {0, 0}},
      {"h/interface-lo/if_packets", 100, {1, 2}, 2, false, 0, {0, 0}},
      {"other/pcapflow-lo/if_packets-tcp", 100, {1, 2}, 2, false, 0, {0, 0}},
  };
  struct fake f;
  struct pft_store st;
  struct pft_filter filter = {"h", "lo"};
  char err[PFT_ERR_MAX];
  fake_start(&f, series, 6, true);
  ck_assert_int_eq(pft_store_init(&st), 0);
  ck_assert_int_eq(poll_once(&st, f.path, 5, &filter, err), PFT_OK);
  ck_assert_uint_eq(st.n_series, 3);
  ck_assert_uint_eq(st.n_sources, 1);
  ck_assert_str_eq(st.sources[0].name, "lo");
  const struct pft_series *q =
      pft_store_find(&st, 0, PFT_CLASS_QUANTILE, 1, "duration-web");
  ck_assert_ptr_nonnull(q);
  ck_assert_double_eq(q->acc.value[0], 0.01);
  pft_store_free(&st);
  fake_stop(&f, true);
}
END_TEST

START_TEST(test_missing_and_refusing_sockets) {
  struct pft_store st;
  struct pft_filter filter = {NULL, NULL};
  char err[PFT_ERR_MAX];
  ck_assert_int_eq(pft_store_init(&st), 0);
  ck_assert_int_eq(poll_once(&st, "/nonexistent/sock", 5, &filter, err),
                   PFT_FAILED);
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent/sock: no such socket"));
  struct fake f;
  fake_start(&f, NULL, 0, false); /* bound, nobody listens */
  ck_assert_int_eq(poll_once(&st, f.path, 5, &filter, err), PFT_FAILED);
  ck_assert_ptr_nonnull(strstr(err, "connection refused"));
  fake_stop(&f, false);
  pft_store_free(&st);
}
END_TEST

START_TEST(test_silent_collectd_times_out) {
  struct fake f;
  struct pft_store st;
  struct pft_filter filter = {NULL, NULL};
  char err[PFT_ERR_MAX];
  fake_start(&f, NULL, 0, true);
  f.mute = true;
  ck_assert_int_eq(pft_store_init(&st), 0);
  double t0 = pft_now();
  ck_assert_int_eq(poll_once(&st, f.path, 0.3, &filter, err), PFT_FAILED);
  ck_assert_ptr_nonnull(strstr(err, "no answer from collectd within 0.3 s"));
  ck_assert(pft_now() - t0 < 5);
  pft_store_free(&st);
  fake_stop(&f, true);
}
END_TEST

/* A read of a collectd that never answers, with these fds to end the
 * wait. */
static int poll_mute(const int cancel[PFT_CANCEL_FDS]) {
  struct fake f;
  struct pft_store st;
  struct pft_filter filter = {NULL, NULL};
  struct pft_usock u;
  char err[PFT_ERR_MAX];
  fake_start(&f, NULL, 0, true);
  f.mute = true;
  ck_assert_int_eq(pft_store_init(&st), 0);
  pft_usock_init(&u, f.path, 60, cancel);
  int rc = pft_poll(&st, &u, &filter, err);
  pft_store_free(&st);
  fake_stop(&f, true);
  return rc;
}

START_TEST(test_key_interrupts_the_wait) {
  int keys[2];
  ck_assert_int_eq(pipe(keys), 0);
  ck_assert_int_eq(write(keys[1], "q", 1), 1);
  ck_assert_int_eq(poll_mute((int[]){keys[0], -1}), PFT_INTERRUPTED);
  close(keys[0]);
  close(keys[1]);
}
END_TEST

/* A terminal that went away reads as hung up, with no key to read: that
 * ends the wait too (in either slot), or the view would wait on collectd
 * for a terminal nobody has. */
START_TEST(test_hang_up_interrupts_the_wait) {
  int gone[2];
  ck_assert_int_eq(pipe(gone), 0);
  close(gone[1]);
  ck_assert_int_eq(poll_mute((int[]){-1, gone[0]}), PFT_INTERRUPTED);
  close(gone[0]);
}
END_TEST

Suite *pf_ptop_poll_suite(void) {
  Suite *s = suite_create("ptop_poll");
  TCase *tc = tcase_create("unixsock");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_value_replaced_while_read_keeps_its_time);
  tcase_add_test(tc, test_only_pcapflow_of_the_chosen_source);
  tcase_add_test(tc, test_missing_and_refusing_sockets);
  tcase_add_test(tc, test_silent_collectd_times_out);
  tcase_add_test(tc, test_key_interrupts_the_wait);
  tcase_add_test(tc, test_hang_up_interrupts_the_wait);
  suite_add_tcase(s, tc);
  return s;
}
