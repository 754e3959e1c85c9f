// Must NOT compile with the project's nvcc flags: a per-thread array indexed at run time lives in
// local memory (ptxas -warn-lmem-usage as an error).
__global__ void
gate_local_memory(float * out, const int * index)
{
  float scratch[512];
  for (int i = 0; i < 512; ++i)
    scratch[i] = out[i * blockDim.x + threadIdx.x];
  out[threadIdx.x] = scratch[index[threadIdx.x] & 511];
}
