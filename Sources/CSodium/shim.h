#ifndef SWIFT_COSIGN_CSODIUM_SHIM_H
#define SWIFT_COSIGN_CSODIUM_SHIM_H
#include <sodium.h>
#endif
