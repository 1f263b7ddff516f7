/* main.c — placeholder entry point, replaced by the subcommand table. */
int main(void) { return 0; }
