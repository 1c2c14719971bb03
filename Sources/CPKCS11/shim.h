#ifndef SWIFT_COSIGN_CPKCS11_SHIM_H
#define SWIFT_COSIGN_CPKCS11_SHIM_H
// The PKCS#11 v2.x types, constants and function list, from p11-kit's header (Debian: libp11-kit-dev). Nothing is
// linked: modules are loaded at run time with dlopen.
#include <p11-kit-1/p11-kit/pkcs11.h>
#include <dlfcn.h>
#endif
