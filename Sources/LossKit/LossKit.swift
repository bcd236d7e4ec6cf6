@_exported import LossKitClassWeighted
@_exported import LossKitContrastive
@_exported import LossKitCore
@_exported import LossKitFocal
@_exported import LossKitFocalF1
@_exported import LossKitNN
@_exported import LossKitData
@_exported import LossKitTraining
