/* The eeaguard release. */
#ifndef EEAGUARD_VERSION_H
#define EEAGUARD_VERSION_H
#define EEAGUARD_VERSION "0.1.0"
#endif
