// Must NOT compile with the project's nvcc flags: double-precision arithmetic in a kernel
// (ptxas -warn-double-usage as an error). Proves the gate of Modules/CMake/FusionCuda.cmake works.
__global__ void
gate_double(float * out, const float * in)
{
  out[threadIdx.x] = static_cast<float>(in[threadIdx.x] * 0.1); // 0.1 is a double literal
}
