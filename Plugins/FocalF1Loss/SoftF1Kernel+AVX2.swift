import LossKitKernels

#if arch(x86_64)
  import CLossKitKernels

  /// The AVX2 twins of the two passes (`lk_soft_f1_counts_avx2`, `lk_soft_f1_gradient_avx2`),
  /// run when ``SoftF1Kernel/instructionSet`` is ``InstructionSet/avx2``, on the same chunks as
  /// the Swift passes. Pass 2 recomputes the softmax rather than reading probabilities kept
  /// by pass 1: with AVX2 the exponentials cost less than storing and reloading them.
  extension SoftF1Kernel {
    /// Floats of scratch per chunk for the C passes.
    private var avx2ScratchSize: Int { 32 * classes + 24 * focalClasses.count }

    /// Calls `body` with the C settings; the pointers in them live only for the call.
    private func withSettings<Result>(
      _ slopes: Slopes?, scale: Float, accumulate: Bool,
      _ body: (inout lk_soft_f1_settings) -> Result
    ) -> Result {
      let focal = focalClasses.map { Int32(truncatingIfNeeded: $0) }
      let positive = slopes?.positive ?? []
      let negative = slopes?.negative ?? []
      return focal.withUnsafeBufferPointer { focal in
        positive.withUnsafeBufferPointer { positive in
          negative.withUnsafeBufferPointer { negative in
            var settings = lk_soft_f1_settings(
              classes: classes, focal_classes: focal.baseAddress, focal_count: focal.count,
              ignore_index: ignoreIndex, row_weights: rowWeights,
              positive_slopes: positive.baseAddress, negative_slopes: negative.baseAddress,
              gradient_scale: scale, accumulate: accumulate ? 1 : 0)
            return body(&settings)
          }
        }
      }
    }

    /// Pass 1 on `range`: the chunk's partial sums and non-finite flag into `out`, laid out
    /// as the Swift pass lays them.
    func countChunkAVX2(_ range: Range<Int>, into out: UnsafeMutablePointer<Double>) {
      withSettings(nil, scale: 1, accumulate: false) { settings in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: avx2ScratchSize) { scratch in
          var flag: Int32 = 0
          lk_soft_f1_counts_avx2(
            logits, labels, range.lowerBound, range.count, &settings, scratch.baseAddress!,
            out, &flag)
          out[3 * focalClasses.count] = flag != 0 ? 1 : 0
        }
      }
    }

    /// Pass 2 on `range`, from the logits.
    func gradientChunkAVX2(
      _ range: Range<Int>, _ slopes: Slopes, scale: Float,
      _ gradient: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
      withSettings(slopes, scale: scale, accumulate: accumulate) { settings in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: avx2ScratchSize) { scratch in
          lk_soft_f1_gradient_avx2(
            logits, labels, gradient, range.lowerBound, range.count, &settings,
            scratch.baseAddress!)
        }
      }
    }
  }
#endif
