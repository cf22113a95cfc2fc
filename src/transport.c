/* transport.c — picks how notices leave packetd: SMTP when [smtp] url is
 * set, else the [outbox] Maildir of the embedded default. */
#include "transport.h"

#include "log.h"

/* The choice transport_open makes, also asked without opening */
static int transport_is_smtp(const config *conf)
{
	return conf->smtp_url != NULL;
}

int transport_open(transport *t, const config *conf)
{
	t->conf = conf;
	t->priv = NULL;
	t->ops = NULL;
	if (transport_is_smtp(conf))
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
	return !transport_is_smtp(conf) && transport_maildir_ops.sync != NULL;
}

void transport_close(transport *t)
{
	if (t->ops && t->ops->close)
		t->ops->close(t);
	t->ops = NULL;
	t->priv = NULL;
}
