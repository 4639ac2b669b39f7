/*
 * edgeq_profile.h - the per-op profiling convention shared by generated model
 * code and the firmware harness. Generated model.c wraps op i in
 * EDGEQ_PROFILE_BEGIN(i) / EDGEQ_PROFILE_END(i). Without EDGEQ_PROFILE they
 * compile to nothing; with it they call hooks that the harness (or the user's
 * own firmware) implements, e.g. by reading a cycle or tick counter.
 */
#ifndef EDGEQ_PROFILE_H
#define EDGEQ_PROFILE_H

#ifdef EDGEQ_PROFILE
/** Called right before op `op` (0-based, in execution order) runs. */
void edgeq_profile_begin(int op);
/** Called right after op `op` finishes. */
void edgeq_profile_end(int op);
#define EDGEQ_PROFILE_BEGIN(op) edgeq_profile_begin(op)
#define EDGEQ_PROFILE_END(op) edgeq_profile_end(op)
#else
#define EDGEQ_PROFILE_BEGIN(op) ((void)0)
#define EDGEQ_PROFILE_END(op) ((void)0)
#endif

#endif /* EDGEQ_PROFILE_H */
