/* applicant.h — the applicant's fields (SPEC section 2, manifest.ini
 * [applicant]; a batch row; what an email can tell), by member and by
 * their SPEC names. The packet carries one (packet.h), the manifest parses
 * one (manifest.h), and the store hands one back decoded with every
 * application (store.h), so no caller reads the fields from JSON.
 */
#ifndef PACKETD_APPLICANT_H
#define PACKETD_APPLICANT_H

#include <stddef.h>

/* Manifest fields by their SPEC names; NULL when absent. All owned, UTF-8. */
typedef struct applicant {
	char *name_zh;
	char *name_en;
	char *email;
	char *cmes_no;
	char *cmes_grade;          /* member | senior_member */
	char *cmes_qualification;  /* mechanical_engineer | professional_engineer | none */
	char *senior_engineer;     /* yes | no */
	char *target;              /* CEng | IEng */
	char *soe_grade;           /* member | associate_member */
	char *province;
	char *soe_sector;          /* IRTE | IPlantE | BES, optional */
} applicant;

/* The field names in the order of the struct, for loops over the fields. */
#define APPLICANT_NFIELDS 11
extern const char *const applicant_field_names[APPLICANT_NFIELDS];
char **applicant_field(applicant *a, size_t i);
const char *applicant_get(const applicant *a, const char *name);
/* Sets field `name` to a copy of value (NULL clears it); -1: unknown name. */
int applicant_set(applicant *a, const char *name, const char *value);
void applicant_free(applicant *a);

#endif
