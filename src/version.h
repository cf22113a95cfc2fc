/* version.h — the one place packetd's version is written; `packetd
 * --version`, the man pages' footer and `make install` read it from here. */
#ifndef PACKETD_VERSION_H
#define PACKETD_VERSION_H

#define PACKETD_VERSION "0.7.0"

#endif
