/* Option tables: getopt, --help, did-you-mean, capsim(1), bash completion. */
#include <assert.h>
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "config/conf.h"

#define MAXOPTS 48  /* rows in one command's table, "help" included */
#define WIDTH 79    /* --help wraps its text to this many columns */
#define OPTCOL 26   /* where an option's text starts */

const cs_cli_cmd *const cs_cli_commands[] = {
	&cs_cli_cmd_init, &cs_cli_cmd_run, &cs_cli_cmd_sweep,
	&cs_cli_cmd_merge, &cs_cli_cmd_capacity, &cs_cli_cmd_import,
	&cs_cli_cmd_calibrate, &cs_cli_cmd_validate, &cs_cli_cmd_plot,
	&cs_cli_cmd_report, &cs_cli_cmd_keys, &cs_cli_cmd_help,
	&cs_cli_cmd_version, &cs_cli_cmd_completion, &cs_cli_cmd_man, NULL
};

const cs_cli_cmd *
cs_cli_command(const char *name)
{
	size_t k;

	for (k = 0; cs_cli_commands[k]; k++)
		if (!strcmp(cs_cli_commands[k]->name, name))
			return cs_cli_commands[k];
	return NULL;
}

const cs_cli_opt *
cs_cli_opt_find(const cs_cli_cmd *cmd, const char *name)
{
	const cs_cli_opt *o;

	for (o = cmd->opts; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* ---- getopt ------------------------------------------------------------ */

int
cs_cli_getopt(const cs_cli_cmd *cmd, int argc, char **argv)
{
	static const cs_cli_cmd *built;
	static struct option lo[MAXOPTS + 1];
	static char sh[3 * MAXOPTS + 3];

	if (built != cmd) {
		const cs_cli_opt *o;
		size_t n = 0, k = 0;

		if (cmd->in_order)
			sh[k++] = '-';
		sh[k++] = ':';
		for (o = cmd->opts; o->name; o++, n++) {
			/* a table too long is a bug in the table, not input */
			assert(n < MAXOPTS);
			lo[n].name = o->name;
			lo[n].has_arg = o->arg ? required_argument : no_argument;
			lo[n].flag = NULL;
			lo[n].val = o->val;
			if ((o->flags & CS_OPT_SHORT) && o->val > 0 && o->val < 128) {
				sh[k++] = (char)o->val;
				if (o->arg)
					sh[k++] = ':';
			}
		}
		memset(&lo[n], 0, sizeof lo[n]);
		sh[k] = 0;
		built = cmd;
	}
	opterr = 0;
	return getopt_long(argc, argv, sh, lo, NULL);
}

/* ---- --help ------------------------------------------------------------ */

/* Words of text from column col on, wrapped at WIDTH, continuation lines
 * indented to indent. */
static void
wrap(FILE *f, const char *text, size_t col, size_t indent)
{
	const char *p = text;

	while (*p) {
		size_t w = strcspn(p, " ");

		if (col > indent && col + 1 + w > WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, w, f);
		col += w;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

/* "-r, --replications R" */
static size_t
opt_label(const cs_cli_opt *o, char *buf, size_t size)
{
	int n;

	if ((o->flags & CS_OPT_SHORT) && o->val > 0 && o->val < 128)
		n = snprintf(buf, size, "-%c, --%s%s%s", o->val, o->name,
		             o->arg ? " " : "", o->arg ? o->arg : "");
	else
		n = snprintf(buf, size, "    --%s%s%s", o->name, o->arg ? " " : "",
		             o->arg ? o->arg : "");
	return n < 0 ? 0 : (size_t)n;
}

void
cs_cli_usage(const cs_cli_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: capsim %s%s%s%s\n", cmd->name, *cmd->args ? " " : "",
	        cmd->args, cmd->opts[0].name && cmd->opts[1].name ?
	        " [options]" : "");
	fprintf(f, "(capsim %s --help: every option, with its default)\n",
	        cmd->name);
}

void
cs_cli_help(const cs_cli_cmd *cmd, FILE *f)
{
	const cs_cli_opt *o;
	char label[128], text[1024];

	fprintf(f, "usage: capsim %s%s%s%s\n\n", cmd->name, *cmd->args ? " " : "",
	        cmd->args, cmd->opts[0].name && cmd->opts[1].name ?
	        " [options]" : "");
	wrap(f, cmd->summary, 0, 0);
	fputs("\noptions:\n", f);
	for (o = cmd->opts; o->name; o++) {
		size_t n = opt_label(o, label, sizeof label);

		fprintf(f, "  %s", label);
		n += 2;
		if (n + 2 > OPTCOL) {
			fprintf(f, "\n%*s", OPTCOL, "");
		} else {
			fprintf(f, "%*s", (int)(OPTCOL - n), "");
		}
		snprintf(text, sizeof text, "%s%s%s%s", o->help,
		         o->def ? " [default: " : "", o->def ? o->def : "",
		         o->def ? "]" : "");
		wrap(f, text, OPTCOL, OPTCOL);
	}
	if (cmd->notes) {
		fputc('\n', f);
		wrap(f, cmd->notes, 0, 0);
	}
	fprintf(f, "\nexample:\n  capsim %s\n", cmd->example);
}

int
cs_cli_bad_option(const cs_cli_cmd *cmd, int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':') {
		fprintf(stderr, "capsim %s: error: option %s needs a value\n",
		        cmd->name, arg);
	} else if (optopt) {
		fprintf(stderr, "capsim %s: error: unknown option -%c\n",
		        cmd->name, optopt);
	} else {
		const char *names[MAXOPTS + 1], *near;
		char word[128];
		size_t k, n;

		/* "--replicatons=5": the name is what comes before '=' */
		for (k = 0; cmd->opts[k].name && k < MAXOPTS; k++)
			names[k] = cmd->opts[k].name;
		names[k] = NULL;
		n = strcspn(arg + 2, "=");
		if (n >= sizeof word)
			n = sizeof word - 1;
		memcpy(word, arg + 2, n);
		word[n] = 0;
		near = strncmp(arg, "--", 2) ? NULL : cs_conf_suggest(word, names);
		fprintf(stderr, "capsim %s: error: unknown option %s%s%s%s\n",
		        cmd->name, arg, near ? " (did you mean --" : "",
		        near ? near : "", near ? "?)" : "");
	}
	cs_cli_usage(cmd, stderr);
	return CS_EXIT_INPUT;
}

/* ---- capsim(1) --------------------------------------------------------- */

/* text in roff: backslashes doubled, '-' as \-, a leading '.' or '\''
 * kept from being a request */
static void
roff(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

void
cs_cli_man(FILE *f)
{
	size_t k;
	const cs_cli_opt *o;

	fputs(".\\\" capsim(1), written by `capsim man` from the option tables "
	      "of the commands.\n", f);
	fprintf(f, ".TH CAPSIM 1 \"\" \"capsim %s\" \"User Commands\"\n",
	        CAPSIM_VERSION);
	fputs(".SH NAME\ncapsim \\- capacity\\-planning simulator for web "
	      "backends\n.SH SYNOPSIS\n.B capsim\n.I COMMAND\n[\\fIARGS\\fR]\n"
	      ".SH DESCRIPTION\n"
	      "capsim models app workers, the DB connection pool, the cache "
	      "and external APIs as a discrete\\-event queueing simulation, "
	      "described by a YAML scenario, and predicts latency percentiles, "
	      "error rates and throughput at loads and sizes not load\\-tested, "
	      "each with a 95% confidence interval.\n"
	      "Options may come before or after the operands.\n"
	      ".SH COMMANDS\n", f);
	for (k = 0; cs_cli_commands[k]; k++) {
		const cs_cli_cmd *c = cs_cli_commands[k];

		fputs(".SS \"capsim ", f);
		roff(f, c->name);
		if (*c->args) {
			fputc(' ', f);
			roff(f, c->args);
		}
		fputs("\"\n", f);
		roff(f, c->summary);
		fputc('\n', f);
		for (o = c->opts; o->name; o++) {
			fputs(".TP\n.B ", f);
			if ((o->flags & CS_OPT_SHORT) && o->val > 0 && o->val < 128)
				fprintf(f, "\\-%c, ", o->val);
			fputs("\\-\\-", f);
			roff(f, o->name);
			if (o->arg) {
				fputs(" \\fI", f);
				roff(f, o->arg);
				fputs("\\fR", f);
			}
			fputc('\n', f);
			roff(f, o->help);
			if (o->def) {
				fputs(" [default: ", f);
				roff(f, o->def);
				fputc(']', f);
			}
			fputc('\n', f);
		}
		if (c->notes) {
			fputs(".PP\n", f);
			roff(f, c->notes);
			fputc('\n', f);
		}
		fputs(".PP\nExample:\n.RS\n.nf\ncapsim ", f);
		roff(f, c->example);
		fputs("\n.fi\n.RE\n", f);
	}
	fputs(".SH EXIT STATUS\n"
	      ".TP\n0\nsuccess\n"
	      ".TP\n1\na failure other than bad input: writing the output "
	      "failed, out of memory, an internal check failed\n"
	      ".TP\n2\nbad input or usage, printed as "
	      "FILE:LINE:COL: error: KEY.PATH: why\n"
	      ".TP\n99\n\\-\\-slo given to run and a term missed (the output "
	      "is complete)\n"
	      ".SH FILES\n"
	      "Outputs given with \\-o are written to a temporary file and "
	      "renamed into place when complete.\n"
	      ".SH SEE ALSO\n"
	      "The user guide (docs/guide.md) and the other documents in the "
	      "source's docs/ folder; capsim keys for every scenario key.\n", f);
}

/* ---- bash completion --------------------------------------------------- */

void
cs_cli_completion_bash(FILE *f)
{
	size_t k;
	const cs_cli_opt *o;

	fputs("# bash completion for capsim, written by `capsim completion bash`\n"
	      "# from the option tables of the commands.\n"
	      "_capsim()\n{\n"
	      "\tlocal cur prev words cword opts i\n"
	      "\tcur=${COMP_WORDS[COMP_CWORD]}\n"
	      "\tprev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\tCOMPREPLY=()\n"
	      "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W '", f);
	for (k = 0; cs_cli_commands[k]; k++)
		fprintf(f, "%s%s", k ? " " : "", cs_cli_commands[k]->name);
	fputs("' -- \"$cur\"))\n\t\treturn\n\tfi\n"
	      "\tcase ${COMP_WORDS[1]} in\n", f);
	for (k = 0; cs_cli_commands[k]; k++) {
		const cs_cli_cmd *c = cs_cli_commands[k];

		fprintf(f, "\t%s)\n\t\tcase $prev in\n", c->name);
		for (o = c->opts; o->name; o++) {
			if (!o->arg)
				continue;
			fprintf(f, "\t\t--%s", o->name);
			if ((o->flags & CS_OPT_SHORT) && o->val > 0 && o->val < 128)
				fprintf(f, "|-%c", o->val);
			if (o->values)
				fprintf(f, ")\n\t\t\tCOMPREPLY=($(compgen -W '%s' -- "
				        "\"$cur\"))\n\t\t\treturn ;;\n", o->values);
			else if (o->flags & (CS_OPT_FILE | CS_OPT_FILES))
				fputs(")\n\t\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
				      "\t\t\treturn ;;\n", f);
			else if (o->flags & CS_OPT_PATH)
				fputs(")\n\t\t\tCOMPREPLY=($(compgen -W \"$(capsim keys "
				      "--paths 2>/dev/null)\" -- \"$cur\"))\n"
				      "\t\t\tcompopt -o nospace 2>/dev/null\n"
				      "\t\t\treturn ;;\n", f);
			else
				fputs(")\n\t\t\treturn ;;\n", f);
		}
		fputs("\t\tesac\n\t\topts='", f);
		for (o = c->opts; o->name; o++)
			fprintf(f, "%s--%s", o == c->opts ? "" : " ", o->name);
		fputs("'\n", f);
		if (!strcmp(c->name, "help")) {
			size_t j;

			fputs("\t\tif [ \"$COMP_CWORD\" -eq 2 ] && "
			      "[[ $cur != -* ]]; then\n"
			      "\t\t\tCOMPREPLY=($(compgen -W '", f);
			for (j = 0; cs_cli_commands[j]; j++)
				fprintf(f, "%s%s", j ? " " : "",
				        cs_cli_commands[j]->name);
			fputs("' -- \"$cur\"))\n\t\t\treturn\n\t\tfi\n", f);
		}
		if (!strcmp(c->name, "completion"))
			fputs("\t\tif [[ $cur != -* ]]; then\n"
			      "\t\t\tCOMPREPLY=($(compgen -W 'bash' -- \"$cur\"))\n"
			      "\t\t\treturn\n\t\tfi\n", f);
		fputs("\t\t;;\n", f);
	}
	fputs("\t*)\n\t\treturn ;;\n\tesac\n"
	      "\tif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\telse\n"
	      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\tfi\n}\n"
	      "complete -o filenames -F _capsim capsim\n", f);
}
