/* SoftHSM2's own ceiling: sign in a tight C loop straight through the module, no binding.
 * Usage: ceiling MODULE TOKEN_LABEL PIN KEY_LABEL rsa|ec THREADS SECONDS
 * Prints: signatures_per_second
 * Built and run by `bench/run.sh pkcs11`; the C# binding's numbers are compared against it. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static const char *key_label;
static int is_ec, seconds;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static void check(CK_RV rv, const char *what) { if (rv != CKR_OK) { fprintf(stderr, "%s failed: 0x%lx\n", what, rv); exit(1); } }

static void *worker(void *arg) {
  long *count = arg;
  CK_SESSION_HANDLE s;
  check(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), "C_OpenSession");
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_LABEL, (void *)key_label, strlen(key_label) } };
  CK_OBJECT_HANDLE key; CK_ULONG n;
  check(f->C_FindObjectsInit(s, tmpl, 2), "C_FindObjectsInit");
  check(f->C_FindObjects(s, &key, 1, &n), "C_FindObjects");
  f->C_FindObjectsFinal(s);
  if (n != 1) { fprintf(stderr, "key %s not found\n", key_label); exit(1); }
  /* Same input as the binding: a SHA-256 DigestInfo for RSA, a bare 32-byte hash for ECDSA. */
  unsigned char data[51] = { 0x30,0x31,0x30,0x0d,0x06,0x09,0x60,0x86,0x48,0x01,0x65,0x03,0x04,0x02,0x01,0x05,0x00,0x04,0x20 };
  CK_MECHANISM mech = { is_ec ? CKM_ECDSA : CKM_RSA_PKCS, NULL, 0 };
  CK_ULONG len = is_ec ? 32 : 51;
  unsigned char *in = is_ec ? data + 19 : data;
  unsigned char sig[1024];
  double end = now() + seconds;
  long c = 0;
  while (now() < end) {
    CK_ULONG sl = sizeof sig;
    check(f->C_SignInit(s, &mech, key), "C_SignInit");
    check(f->C_Sign(s, in, len, sig, &sl), "C_Sign");
    c++;
  }
  *count = c;
  f->C_CloseSession(s);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 8) { fprintf(stderr, "usage: %s MODULE TOKEN PIN KEY rsa|ec THREADS SECONDS\n", argv[0]); return 2; }
  void *lib = dlopen(argv[1], RTLD_NOW);
  if (!lib) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  CK_RV (*gfl)(CK_FUNCTION_LIST_PTR_PTR) = (CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR))dlsym(lib, "C_GetFunctionList");
  check(gfl(&f), "C_GetFunctionList");
  CK_C_INITIALIZE_ARGS ia = { 0 }; ia.flags = CKF_OS_LOCKING_OK;
  check(f->C_Initialize(&ia), "C_Initialize");
  CK_SLOT_ID slots[64]; CK_ULONG ns = 64;
  check(f->C_GetSlotList(CK_TRUE, slots, &ns), "C_GetSlotList");
  int found = 0;
  for (CK_ULONG i = 0; i < ns && !found; i++) {
    CK_TOKEN_INFO ti; if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK) continue;
    char label[33]; memcpy(label, ti.label, 32); label[32] = 0;
    for (int j = 31; j >= 0 && label[j] == ' '; j--) label[j] = 0;
    if (strcmp(label, argv[2]) == 0) { slot = slots[i]; found = 1; }
  }
  if (!found) { fprintf(stderr, "token %s not found\n", argv[2]); return 1; }
  CK_SESSION_HANDLE login;
  check(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &login), "C_OpenSession");
  check(f->C_Login(login, CKU_USER, (unsigned char *)argv[3], strlen(argv[3])), "C_Login");
  key_label = argv[4]; is_ec = strcmp(argv[5], "ec") == 0;
  int threads = atoi(argv[6]); seconds = atoi(argv[7]);
  pthread_t t[16]; long counts[16] = { 0 };
  for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, &counts[i]);
  long total = 0;
  for (int i = 0; i < threads; i++) { pthread_join(t[i], NULL); total += counts[i]; }
  printf("%.1f\n", (double)total / seconds);
  f->C_Logout(login); f->C_CloseSession(login); f->C_Finalize(NULL);
  return 0;
}
