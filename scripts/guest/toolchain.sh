# Cross toolchain for wasm32-wasip1 (Debian's clang/lld/llvm + the wasi-libc sysroot entry).
# Part of the keys of every entry that compiles guest code.
#
# clang-19 with --target=wasm32-wasip1 looks for lib/wasm32-unknown-wasip1/libclang_rt.builtins.a in its
# resource dir, but Debian ships lib/wasi/libclang_rt.builtins-wasm32.a; --target=wasm32-wasi (same code
# generation, same sysroot via the wasm32-wasip1 -> wasm32-wasi symlinks) finds it. CPython itself is
# still configured with --host=wasm32-wasip1.
guest_cross_env() {   # SYSROOT_ENTRY: sets GUEST_SYSROOT GUEST_CC GUEST_CXX GUEST_CPP GUEST_AR GUEST_RANLIB
    GUEST_SYSROOT="$1/usr"
    GUEST_CC="clang-$LLVM_VERSION --target=$GUEST_TARGET --sysroot=$GUEST_SYSROOT"
    GUEST_CXX="clang++-$LLVM_VERSION --target=$GUEST_TARGET --sysroot=$GUEST_SYSROOT"
    GUEST_CPP="clang-cpp-$LLVM_VERSION --target=$GUEST_TARGET --sysroot=$GUEST_SYSROOT"
    GUEST_AR="llvm-ar-$LLVM_VERSION"
    GUEST_RANLIB="llvm-ranlib-$LLVM_VERSION"
}
