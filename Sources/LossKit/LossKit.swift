@_exported import LossKitClassWeighted
@_exported import LossKitContrastive
@_exported import LossKitCore
@_exported import LossKitFocal
@_exported import LossKitFocalF1
