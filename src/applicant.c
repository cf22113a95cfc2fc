/* applicant.c — the applicant's fields by name. See applicant.h. */
#include "applicant.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Same order as the members of struct applicant: applicant_field relies on it. */
const char *const applicant_field_names[APPLICANT_NFIELDS] = {
	"name_zh", "name_en", "email", "cmes_no", "cmes_grade", "cmes_qualification",
	"senior_engineer", "target", "soe_grade", "province", "soe_sector",
};

char **applicant_field(applicant *a, size_t i)
{
	switch (i) {
	case 0: return &a->name_zh;
	case 1: return &a->name_en;
	case 2: return &a->email;
	case 3: return &a->cmes_no;
	case 4: return &a->cmes_grade;
	case 5: return &a->cmes_qualification;
	case 6: return &a->senior_engineer;
	case 7: return &a->target;
	case 8: return &a->soe_grade;
	case 9: return &a->province;
	case 10: return &a->soe_sector;
	default: return NULL;
	}
}

static int applicant_index(const char *name)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < APPLICANT_NFIELDS; i++)
		if (strcmp(applicant_field_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *applicant_get(const applicant *a, const char *name)
{
	int i = applicant_index(name);
	if (i < 0)
		return NULL;
	/* applicant_field only hands out addresses; reading through it is safe. */
	return *applicant_field((applicant *)a, (size_t)i);
}

int applicant_set(applicant *a, const char *name, const char *value)
{
	int i = applicant_index(name);
	char **f;
	if (i < 0)
		return -1;
	f = applicant_field(a, (size_t)i);
	free(*f);
	*f = xstrdup(value);
	return 0;
}

void applicant_free(applicant *a)
{
	for (size_t i = 0; i < APPLICANT_NFIELDS; i++) {
		char **f = applicant_field(a, i);
		free(*f);
		*f = NULL;
	}
}
