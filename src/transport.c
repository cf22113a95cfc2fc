/* transport.c — picks how notices leave packetd: SMTP when [smtp] url is
 * set, else the [outbox] Maildir of the embedded default. */
#include "transport.h"

#include "log.h"

int transport_open(transport *t, const config *conf)
{
	t->conf = conf;
	t->priv = NULL;
	t->ops = NULL;
	if (conf->smtp_url)
		return transport_smtp_open(t);
	if (conf->outbox_maildir == NULL) {
		log_error("no [outbox] maildir configured");
		return -1;
	}
	t->ops = &transport_maildir_ops;
	return 0;
}

int transport_stages(const config *conf)
{
	return conf->smtp_url == NULL && transport_maildir_ops.sync != NULL;
}

void transport_close(transport *t)
{
	if (t->ops && t->ops->close)
		t->ops->close(t);
	t->ops = NULL;
	t->priv = NULL;
}
