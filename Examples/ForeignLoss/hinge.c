/*
 * An ordinary C library with no LossKit header: a smoothed hinge and its derivative, as
 * someone's existing loss code would have them. Examples/ForeignLoss calls it through libffi.
 *
 * Build:  cc -shared -fPIC -O2 -o libhinge.so Examples/ForeignLoss/hinge.c
 * Use:    --foreign './libhinge.so:double smooth_hinge(double prediction, double target, double margin=1)'
 */

/* z = (2y − 1)·x;  0 for z ≥ m, (m − z)²/2 for m − 1 < z < m, m − 1/2 − z below. */
double smooth_hinge(double prediction, double target, double margin) {
  double z = (2 * target - 1) * prediction;
  if (z >= margin) return 0;
  if (z <= margin - 1) return margin - 0.5 - z;
  return 0.5 * (margin - z) * (margin - z);
}

double smooth_hinge_grad(double prediction, double target, double margin) {
  double sign = 2 * target - 1, z = sign * prediction;
  if (z >= margin) return 0;
  if (z <= margin - 1) return -sign;
  return -sign * (margin - z);
}
