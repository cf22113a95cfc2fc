/* source.c — picks the backend of a configured source. */
#include "source.h"

#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static const source_ops *source_ops_of(enum source_kind kind)
{
	switch (kind) {
	case SOURCE_MAILDIR:
		return &source_maildir_ops;
	case SOURCE_DIR:
		return &source_dir_ops;
	case SOURCE_IMAP:
		return &source_imap_ops;
	case SOURCE_SFTP:
		return &source_sftp_ops;
	default:
		return NULL;
	}
}

int source_open(source *s, const config_source *conf, const char *scratch)
{
	s->conf = conf;
	s->priv = NULL;
	s->db = NULL;
	s->limits = NULL;
	s->scratch = xstrdup(scratch);
	s->ops = source_ops_of(conf->kind);
	if (s->ops)
		return 0;
	log_warn("source %s: type %s is not available in this build", conf->name, config_source_kind_name(conf->kind));
	free(s->scratch);
	s->scratch = NULL;
	return -1;
}

void source_close(source *s)
{
	if (s->ops && s->ops->close)
		s->ops->close(s);
	free(s->scratch);
	s->scratch = NULL;
	s->ops = NULL;
}

void source_items_free(source_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].ref);
		free(items[i].path);
		free(items[i].data);
		free(items[i].name);
	}
	free(items);
}

void source_item_release(source_item *it)
{
	free(it->data);
	it->data = NULL;
	it->len = 0;
	if (!it->scratch_copy || it->path == NULL)
		return;
	unlink(it->path);
	free(it->path);
	it->path = NULL;
	it->scratch_copy = 0;
}

void source_watch_init(source_watch *w, const config_source *conf)
{
	w->conf = conf;
	w->fd = -1;
	w->pending = 0;
	w->deadline = 0;
	w->priv = NULL;
}

void source_watch_arm(source_watch *w, double now)
{
	const source_ops *ops = source_ops_of(w->conf->kind);
	if (ops && ops->watch_arm)
		ops->watch_arm(w, now);
}

int source_watch_wake(source_watch *w, double now)
{
	const source_ops *ops = source_ops_of(w->conf->kind);
	if (ops == NULL || ops->watch_wake == NULL || (w->fd < 0 && !w->pending && w->deadline <= 0))
		return 0;
	return ops->watch_wake(w, now);
}

void source_watch_close(source_watch *w)
{
	const source_ops *ops = source_ops_of(w->conf->kind);
	if (ops && ops->watch_close)
		ops->watch_close(w);
	w->fd = -1;
	w->pending = 0;
	w->deadline = 0;
}
