# gantrain — build, test, demo.  `make help` lists the targets.
CC      ?= cc
BUILD   ?= build
PKGS    := inih zlib
# OpenBLAS built on OpenMP: BLAS calls and gantrain's own loops share one
# thread pool.  With the pthread build the two pools spin against each other
# and small GEMMs run tens of times slower on 2 cores.
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
BLAS_DIR  ?= /usr/lib/$(MULTIARCH)/openblas-openmp
BLAS_INC  ?= /usr/include/$(MULTIARCH)/openblas-openmp
OPT     ?= -O3 -march=native
WARN    := -Wall -Wextra -Werror
# ISO C mode keeps floating-point contraction off: results do not depend on
# whether the compiler fused a multiply-add.
# Open MPI, when installed: data-parallel training under mpirun (the same
# binary still runs as a single process without it).  MPI=0 builds without.
MPI ?= $(if $(shell command -v mpicc 2>/dev/null),1,0)
ifeq ($(MPI),1)
MPI_CFLAGS := -DGT_MPI $(shell mpicc --showme:compile)
MPI_LIBS   := $(shell mpicc --showme:link)
endif
CFLAGS_ALL = -std=c11 -D_DEFAULT_SOURCE $(WARN) $(OPT) -fopenmp -Iinclude -I$(BLAS_INC) -MMD -MP \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(MPI_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS_ALL = -L$(BLAS_DIR) -Wl,-rpath,$(BLAS_DIR) -lopenblas \
             $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -linih -lz) \
             $(MPI_LIBS) -fopenmp -lm $(EXTRA_LDFLAGS)

# V=1 shows the full compiler command lines
Q        := $(if $(V),,@)
SRC      := $(sort $(wildcard src/*/*.c))
LIB_SRC  := $(filter-out src/cli/main.c,$(SRC))
LIB_OBJ  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
TEST_SRC := $(sort $(wildcard tests/*.c))
TEST_OBJ := $(patsubst tests/%.c,$(BUILD)/tests/%.o,$(TEST_SRC))
# fuzz harnesses: libFuzzer binaries under `make fuzz`, and (built with
# -DGT_FUZZ_REPLAY) part of the test binary, which replays their corpus
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC))
REPLAY_OBJ := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/%.o,$(FUZZ_SRC) tests/fuzz/common.c)

.PHONY: all deps test demo asan check clean fixtures help bench fuzz fuzz-build fuzz-bins fuzz-merge stress multihost gantrain-vg
all: gantrain

help:
	@echo "make            build ./gantrain"
	@echo "make test       install missing packages, build, run the whole suite"
	@echo "make demo       install missing packages, build, train a demo model"
	@echo "make asan       the suite under address + undefined-behaviour sanitizers"
	@echo "make fixtures   regenerate PyTorch reference fixtures (needs python3-torch)"
	@echo "make bench      gantrain against PyTorch on every preset (needs python3-torch)"
	@echo "make fuzz       build the libFuzzer harnesses (clang) and run each for FUZZ_TIME"
	@echo "                seconds (default 60); FUZZ=npz,ckpt picks harnesses"
	@echo "make fuzz-merge add the inputs fuzzing found to tests/fuzz/corpus/ (coverage-minimal)"
	@echo "make stress     the long robustness loops: kill -9, full disk, signals (tests/stress/),"
	@echo "                and make multihost"
	@echo "make multihost  training across hosts: network namespaces, shaped links, a host"
	@echo "                that dies, sweep --hosts (tests/multihost/; needs root, else skips)"
	@echo "make clean"

deps:
	@scripts/install-deps.sh

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

# The optimizer's loops touch every parameter at every update, and in a
# data-parallel run every rank repeats them (they do not shrink with more
# ranks).  With errno set by sqrtf they stay scalar; without it sqrtf is one
# instruction and the loops vectorize.  The results are the same bit for bit
# (sqrt and division are correctly rounded either way, nothing is reordered).
$(BUILD)/obj/nn/optim.o: CFLAGS_ALL += -fno-math-errno

# stb's single-file implementations are third-party code: build them without
# -Werror (and, in the sanitizer builds, with STB_CFLAGS: see STB_NOSAN)
$(BUILD)/obj/io/stb_impl.o: src/io/stb_impl.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(filter-out -Werror -Wextra,$(CFLAGS_ALL)) $(STB_CFLAGS) -Wno-unused -c $< -o $@

$(BUILD)/libgantrain.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

gantrain: $(BUILD)/obj/cli/main.o $(BUILD)/libgantrain.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/test_list.h: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@grep -h '^GT_TEST(' $(TEST_SRC) | sed 's/^GT_TEST(\([a-z0-9_]*\)).*/X(\1)/' > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/%.o: tests/%.c $(BUILD)/tests/test_list.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -I$(BUILD)/tests -Itests -c $< -o $@

$(BUILD)/tests/fuzz/%.o: tests/fuzz/%.c $(BUILD)/tests/test_list.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -DGT_FUZZ_REPLAY -Itests -c $< -o $@

$(BUILD)/gt_tests: $(TEST_OBJ) $(REPLAY_OBJ) $(BUILD)/libgantrain.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

test: deps
	@$(MAKE) --no-print-directory gantrain $(BUILD)/gt_tests
	@tests/run.sh $(BUILD)/gt_tests ./gantrain

check: gantrain $(BUILD)/gt_tests
	@tests/run.sh $(BUILD)/gt_tests ./gantrain

# stb 2.27 computes NULL + 0 and calls memcpy(NULL, src, 0) when a PNG's
# first IDAT chunk is empty, and on corrupt JPEG entropy data lets its bit
# count go negative and shifts by 32 or more (stbi__grow_buffer_unsafe; the
# decoder then yields garbage pixels, and AddressSanitizer finds no bad
# access): both found by tests/fuzz/fuzz_image.c, undefined in ISO C but
# harmless on the targets gantrain builds for, so those checks are off for
# stb's translation unit in the sanitizer builds (and only there).  (GCC 12
# ignores -fno-sanitize=shift-exponent on its own; `shift` turns both off.)
STB_NOSAN := -fno-sanitize=pointer-overflow,nonnull-attribute,shift

# Sanitizer build in its own directory; -O1 keeps it fast enough for the suite.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" STB_CFLAGS="$(STB_NOSAN)" \
	    EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	    EXTRA_LDFLAGS="-fsanitize=address,undefined" build-asan/gt_tests gantrain-asan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	    tests/run.sh build-asan/gt_tests ./gantrain-asan

gantrain-asan: $(BUILD)/obj/cli/main.o $(BUILD)/libgantrain.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

demo: deps
	@$(MAKE) --no-print-directory gantrain
	@scripts/demo.sh

fixtures:
	/usr/bin/python3 scripts/make-fixtures.py
	/usr/bin/python3 scripts/make-model-fixtures.py
	/usr/bin/python3 scripts/make-metric-fixtures.py
	/usr/bin/python3 scripts/make-inception-fixtures.py
	/usr/bin/python3 scripts/lockstep.py gan dcgan wgan_gp cgan --size small --iters 20 --store 1,20 --out tests/fixtures/lockstep
	/usr/bin/python3 scripts/lockstep.py gan wgan --flavour reference --size small --iters 20 --store 1,20 --out tests/fixtures/lockstep

# gantrain and PyTorch side by side (needs python3-torch for the second column)
bench: gantrain
	@scripts/bench.sh

# ---- fuzzing -------------------------------------------------------------
# The library is rebuilt with clang's coverage instrumentation and ASan +
# UBSan into build-fuzz/ (eval/ and cli/ are not needed by any harness).
FUZZ_LIB_OBJ := $(filter-out $(BUILD)/obj/eval/%,$(LIB_OBJ))
FUZZ_TIME ?= 60
FUZZ ?= $(FUZZ_NAMES)

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
	    STB_CFLAGS="$(STB_NOSAN)" \
	    EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
	    EXTRA_LDFLAGS="-fsanitize=fuzzer,address,undefined" fuzz-bins

fuzz-bins: $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))

$(BUILD)/libgantrain-fuzz.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/common.c tests/fuzz/fuzz.h $(BUILD)/libgantrain-fuzz.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS_ALL)) -Itests -o $@ $(filter %.c %.a,$^) $(LDLIBS_ALL)

fuzz: fuzz-build
	@tests/fuzz/run.sh run "$(FUZZ)" $(FUZZ_TIME)

fuzz-merge: fuzz-build
	@tests/fuzz/run.sh merge "$(FUZZ)"

# valgrind decodes AVX2 but not AVX-512, which -march=native emits on this
# kind of CPU: the memcheck part of `make stress` runs a build for x86-64-v3
VG_OPT := -O1 -g $(if $(filter x86_64,$(shell uname -m)),-march=x86-64-v3)
stress: gantrain
	@$(MAKE) --no-print-directory BUILD=build-vg OPT="$(VG_OPT)" gantrain-vg
	@tests/stress/run.sh ./gantrain ./gantrain-vg

# hosts in network namespaces (needs root; says so and skips without it)
multihost: gantrain
	@tests/multihost/run.sh ./gantrain

gantrain-vg: $(BUILD)/obj/cli/main.o $(BUILD)/libgantrain.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

clean:
	rm -rf build build-asan build-fuzz build-vg gantrain gantrain-asan gantrain-vg

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(REPLAY_OBJ:.o=.d) $(BUILD)/obj/cli/main.d
