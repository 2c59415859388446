#pragma once
// Scalar maths the way PyTorch does it on float32 tensors. k-diffusion computes schedule
// quantities (ancestral steps, midpoints, timesteps) on 0-dim float32 tensors; some of them
// land exactly between two timesteps, where the last bit of a log decides which timestep the
// UNet sees. Going through libtorch's own kernels reproduces those bits.
namespace tessera::engine::f32 {

float log(float x);
float exp(float x);
float sqrt(float x);

}  // namespace tessera::engine::f32
