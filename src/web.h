/* web.h — the centre's desk: `packetd serve`, a web application served by
 * packetd itself (libmicrohttpd) over the same database as the commands.
 * Officers see every application and act on it through the same workflow
 * functions as `packetd review`, `pay`, ...; viewers only read. Pages are
 * server-rendered HTML without JavaScript; /api/ gives the JSON of
 * `list --json` and `show --json`. README.md, section "Desk", has the
 * routes, the form fields and the security rules.
 */
#ifndef PACKETD_WEB_H
#define PACKETD_WEB_H

#include "config.h"
#include "rules.h"

/* Serves [web] listen (HTTPS when [web] cert and key are set) until
 * SIGTERM or SIGINT. Returns 0 after a clean stop, -1 when it cannot
 * start (the reason is logged). */
int web_run(const config *conf, const rules *r);

#endif
