/* A daemon whose main thread exits once another thread runs: the thread
 * group's leader is a zombie while the process lives on.
 *   hostile_threads                                                         */
#include <pthread.h>

#include "hostile_common.h"

static void* worker(void* arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}

int main(void) {
  int ready;
  hostile_daemonize(&ready);
  pthread_t t;
  if (pthread_create(&t, NULL, worker, NULL) != 0) _exit(1);
  hostile_ready(ready);
  usleep(1000);
  pthread_exit(NULL);
}
