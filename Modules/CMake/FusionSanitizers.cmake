# FUSION_SANITIZER=address builds everything with ASan+UBSan, =thread with TSan.
# Meant for the kernels-only build (FUSION_KERNELS_ONLY): the emulation annotates its
# fiber switches for both sanitizers (Modules/Kernels/cuda_host_emulation.cxx).
if(FUSION_SANITIZER STREQUAL "address")
  set(_fusion_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
elseif(FUSION_SANITIZER STREQUAL "thread")
  set(_fusion_san -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT FUSION_SANITIZER STREQUAL "")
  message(FATAL_ERROR "FUSION_SANITIZER must be empty, 'address' or 'thread' (got '${FUSION_SANITIZER}')")
endif()
if(_fusion_san)
  add_compile_options(${_fusion_san})
  add_link_options(${_fusion_san})
endif()
