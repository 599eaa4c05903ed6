/* The public header must compile alone under -std=c11 -pedantic -Werror. */
#include "capsim.h"

int
main(void)
{
	cs_run_opts o = { 0 };

	return (int)o.replications + (cs_status_str(CS_OK) ? 0 : 1);
}
