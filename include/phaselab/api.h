/* Declaration guards of the public headers: C linkage for C++ callers and default symbol
 * visibility (the library is compiled with -fvisibility=hidden, so that only what the public
 * headers declare is exported from libphaselab.so). Each public header opens its declarations
 * with PL_BEGIN_DECLS after its includes and closes them with PL_END_DECLS. */
#ifndef PHASELAB_API_H
#define PHASELAB_API_H

#ifdef __cplusplus
#define PL_EXTERN_C_BEGIN extern "C" {
#define PL_EXTERN_C_END }
#else
#define PL_EXTERN_C_BEGIN
#define PL_EXTERN_C_END
#endif

#if defined(__GNUC__) && !defined(PL_NO_VISIBILITY_PRAGMA)
#define PL_VISIBILITY_PUSH _Pragma("GCC visibility push(default)")
#define PL_VISIBILITY_POP _Pragma("GCC visibility pop")
#else
#define PL_VISIBILITY_PUSH
#define PL_VISIBILITY_POP
#endif

#define PL_BEGIN_DECLS PL_EXTERN_C_BEGIN PL_VISIBILITY_PUSH
#define PL_END_DECLS PL_VISIBILITY_POP PL_EXTERN_C_END

#endif
