/* source.c — picks the backend of a configured source. */
#include "source.h"

#include <stdlib.h>

#include "log.h"
#include "util.h"

int source_open(source *s, const config_source *conf, const char *spool)
{
	s->conf = conf;
	s->priv = NULL;
	s->db = NULL;
	s->limits = NULL;
	s->spool = xstrdup(spool);
	switch (conf->kind) {
	case SOURCE_MAILDIR:
		s->ops = &source_maildir_ops;
		return 0;
	case SOURCE_DIR:
		s->ops = &source_dir_ops;
		return 0;
	case SOURCE_IMAP:
		s->ops = &source_imap_ops;
		return 0;
	case SOURCE_SFTP:
		s->ops = &source_sftp_ops;
		return 0;
	default:
		log_warn("source %s: type %s is not available in this build", conf->name,
			 config_source_kind_name(conf->kind));
		free(s->spool);
		s->spool = NULL;
		s->ops = NULL;
		return -1;
	}
}

void source_close(source *s)
{
	if (s->ops && s->ops->close)
		s->ops->close(s);
	free(s->spool);
	s->spool = NULL;
	s->ops = NULL;
}

void source_items_free(source_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].ref);
		free(items[i].path);
		free(items[i].name);
	}
	free(items);
}
