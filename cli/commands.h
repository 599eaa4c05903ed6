/*
 * cli — one function per subcommand.  Each takes the subcommand's own
 * argv (argv[0] is the subcommand's name) and returns the process exit
 * status: 0 success, 2 bad input or usage, 1 any other failure.
 */
#ifndef CS_CLI_COMMANDS_H
#define CS_CLI_COMMANDS_H

/* capsim import FILE... [--type T] [--format table|json] */
int cs_cmd_import(int argc, char **argv);

/* capsim plot RESULTS -o FILE.png|FILE.svg [--x PATH] [--y METRICS] ... */
int cs_cmd_plot(int argc, char **argv);

/* capsim report RESULTS -o FILE.html [--measured DATA...] [--slo SLO] ... */
int cs_cmd_report(int argc, char **argv);

/* capsim calibrate SCENARIO --data FILE... --fit PATH[=LO:HI]... [-o FILE] */
int cs_cmd_calibrate(int argc, char **argv);

/* capsim validate SCENARIO --data FILE... [--baseline-from N1,N2,...] */
int cs_cmd_validate(int argc, char **argv);

#endif /* CS_CLI_COMMANDS_H */
