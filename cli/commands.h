/* Commands implemented outside cli/main.c's own files. */
#ifndef CS_CLI_COMMANDS_H
#define CS_CLI_COMMANDS_H

int cs_cmd_import(int argc, char **argv);

#endif
