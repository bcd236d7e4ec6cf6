/*
 * Plain C losses with no LossKit header, as a foreign library would have them; the tests
 * declare them to ForeignLoss and call them through libffi.
 */
#include <math.h>
#include <stdint.h>

/* Quadratically smoothed hinge on z = (2y − 1)·x with margin m:
   0 for z ≥ m, (m − z)²/2 for m − 1 < z < m, m − 1/2 − z for z ≤ m − 1. */
double smooth_hinge(double prediction, double target, double margin) {
  double z = (2 * target - 1) * prediction;
  if (z >= margin) return 0;
  if (z <= margin - 1) return margin - 0.5 - z;
  return 0.5 * (margin - z) * (margin - z);
}

double smooth_hinge_grad(double prediction, double target, double margin) {
  double sign = 2 * target - 1;
  double z = sign * prediction;
  if (z >= margin) return 0;
  if (z <= margin - 1) return -sign;
  return -sign * (margin - z);
}

/* The same derivative under another name, for `; grad=hinge_slope`. */
double hinge_slope(double prediction, double target, double margin) {
  return smooth_hinge_grad(prediction, target, margin);
}

/* Every accepted type: scale · |x − y|^power with an integer target and power. */
float power_loss(float prediction, int32_t target, int64_t power, float scale) {
  return scale * powf(fabsf(prediction - (float)target), (float)power);
}

float power_loss_grad(float prediction, int32_t target, int64_t power, float scale) {
  float difference = prediction - (float)target;
  float sign = difference < 0 ? -1.0f : 1.0f;
  return scale * (float)power * powf(fabsf(difference), (float)(power - 1)) * sign;
}

/* On the probability σ(x): the binary Brier score (p − y)². */
double brier_p(double probability, double target) {
  return (probability - target) * (probability - target);
}

double brier_p_grad(double probability, double target) { return 2 * (probability - target); }

/* log of the prediction: NaN for a negative logit, to test that it is caught. */
double bad_log(double prediction, double target) { return log(prediction) * target; }

double bad_log_grad(double prediction, double target) { return target / prediction; }

/* A function without a derivative, to test the error. */
double lonely(double prediction, double target) { return prediction * target; }
