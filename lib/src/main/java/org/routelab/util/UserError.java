package org.routelab.util;

/**
 * Marks an exception caused by what the user gave (a config key, a data file, a run folder): its
 * message alone says what is wrong and where, so the command line prints only the message, without
 * a stack trace, and exits with status 2. Exceptions without this mark are treated as bugs.
 */
public interface UserError {}
