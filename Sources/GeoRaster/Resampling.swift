/// Warp resampling methods, named as `gdalwarp -r` names them (`GDALResampleAlg`).
///
/// Downsampling continuous data: `average`; categorical: `mode`. Upsampling continuous data:
/// `bilinear` or `cubic`; categorical: `near`.
public enum Resampling: String, Sendable, CaseIterable, Codable {
    /// Nearest neighbour (`GRA_NearestNeighbour`).
    case near
    /// Bilinear (`GRA_Bilinear`).
    case bilinear
    /// Cubic convolution (`GRA_Cubic`).
    case cubic
    /// Average of all contributing valid pixels, weighted by area (`GRA_Average`).
    case average
    /// Most frequent value of the contributing pixels (`GRA_Mode`).
    case mode
}
