// Tag tables: IDs from TIFF 6.0 (section 8 and appendix A), EXIF 2.32 (4.6.4-4.6.7) and
// DNG 1.4; names and priorities as ExifTool 12.57 gives them (Exif.pm, GPS.pm,
// PanasonicRaw.pm). Pointer and block tags (Exif IFD, GPS IFD, XMP, ICC...) are handled by
// the decoder itself and are not listed here.
#include <algorithm>
#include <array>

#include "meta/exif_tags.hpp"

namespace imgmeta::meta {
namespace {

using C = TagConv;
constexpr bool P0 = true;

constexpr std::array kExifTags = {
    // Interoperability IFD (EXIF 2.32 4.6.7)
    TagInfo{0x0001, "InteropIndex"_f, C::Plain, false},
    TagInfo{0x0002, "InteropVersion"_f, C::Version, false},
    TagInfo{0x000b, "ProcessingSoftware"_f, C::Plain, false},
    // TIFF 6.0 baseline and extension tags (IFD0, IFD1, SubIFDs)
    TagInfo{0x00fe, "SubfileType"_f, C::Plain, false},
    TagInfo{0x00ff, "OldSubfileType"_f, C::Plain, false},
    TagInfo{0x0100, "ImageWidth"_f, C::Plain, P0},
    TagInfo{0x0101, "ImageHeight"_f, C::Plain, P0},
    TagInfo{0x0102, "BitsPerSample"_f, C::Plain, P0},
    TagInfo{0x0103, "Compression"_f, C::Plain, P0},
    TagInfo{0x0106, "PhotometricInterpretation"_f, C::Plain, P0},
    TagInfo{0x0107, "Thresholding"_f, C::Plain, false},
    TagInfo{0x0108, "CellWidth"_f, C::Plain, false},
    TagInfo{0x0109, "CellLength"_f, C::Plain, false},
    TagInfo{0x010a, "FillOrder"_f, C::Plain, false},
    TagInfo{0x010d, "DocumentName"_f, C::Plain, false},
    TagInfo{0x010e, "ImageDescription"_f, C::Plain, P0},
    TagInfo{0x010f, "Make"_f, C::TrimmedText, false},
    TagInfo{0x0110, "Model"_f, C::TrimmedText, false},
    TagInfo{0x0111, "StripOffsets"_f, C::FileOffset, false},
    TagInfo{0x0112, "Orientation"_f, C::Plain, P0},
    TagInfo{0x0115, "SamplesPerPixel"_f, C::Plain, P0},
    TagInfo{0x0116, "RowsPerStrip"_f, C::Plain, P0},
    TagInfo{0x0117, "StripByteCounts"_f, C::ByteCounts, false},
    TagInfo{0x0118, "MinSampleValue"_f, C::Plain, false},
    TagInfo{0x0119, "MaxSampleValue"_f, C::Plain, false},
    TagInfo{0x011a, "XResolution"_f, C::Plain, P0},
    TagInfo{0x011b, "YResolution"_f, C::Plain, P0},
    TagInfo{0x011c, "PlanarConfiguration"_f, C::Plain, P0},
    TagInfo{0x011d, "PageName"_f, C::Plain, false},
    TagInfo{0x011e, "XPosition"_f, C::Plain, false},
    TagInfo{0x011f, "YPosition"_f, C::Plain, false},
    TagInfo{0x0122, "GrayResponseUnit"_f, C::Plain, false},
    TagInfo{0x0124, "T4Options"_f, C::Plain, false},
    TagInfo{0x0125, "T6Options"_f, C::Plain, false},
    TagInfo{0x0128, "ResolutionUnit"_f, C::Plain, P0},
    TagInfo{0x0129, "PageNumber"_f, C::Plain, false},
    TagInfo{0x0131, "Software"_f, C::TrimmedText, false},
    TagInfo{0x0132, "ModifyDate"_f, C::Plain, false},
    TagInfo{0x013b, "Artist"_f, C::TrimmedText, false},
    TagInfo{0x013c, "HostComputer"_f, C::Plain, false},
    TagInfo{0x013d, "Predictor"_f, C::Plain, false},
    TagInfo{0x013e, "WhitePoint"_f, C::Plain, false},
    TagInfo{0x013f, "PrimaryChromaticities"_f, C::Plain, P0},
    TagInfo{0x0141, "HalftoneHints"_f, C::Plain, false},
    TagInfo{0x0142, "TileWidth"_f, C::Plain, false},
    TagInfo{0x0143, "TileLength"_f, C::Plain, false},
    TagInfo{0x0144, "TileOffsets"_f, C::FileOffset, false},
    TagInfo{0x0145, "TileByteCounts"_f, C::ByteCounts, false},
    TagInfo{0x014c, "InkSet"_f, C::Plain, false},
    TagInfo{0x0151, "TargetPrinter"_f, C::Plain, false},
    TagInfo{0x0152, "ExtraSamples"_f, C::Plain, false},
    TagInfo{0x0153, "SampleFormat"_f, C::Plain, false},
    TagInfo{0x0211, "YCbCrCoefficients"_f, C::Plain, P0},
    TagInfo{0x0212, "YCbCrSubSampling"_f, C::Plain, P0},
    TagInfo{0x0213, "YCbCrPositioning"_f, C::Plain, P0},
    TagInfo{0x0214, "ReferenceBlackWhite"_f, C::Plain, P0},
    TagInfo{0x1000, "RelatedImageFileFormat"_f, C::Plain, false},
    TagInfo{0x1001, "RelatedImageWidth"_f, C::Plain, false},
    TagInfo{0x1002, "RelatedImageHeight"_f, C::Plain, false},
    TagInfo{0x4746, "Rating"_f, C::Plain, false},
    TagInfo{0x4749, "RatingPercent"_f, C::Plain, false},
    TagInfo{0x8298, "Copyright"_f, C::Copyright, false},
    // Exif IFD (EXIF 2.32 4.6.5)
    TagInfo{0x829a, "ExposureTime"_f, C::Plain, false},
    TagInfo{0x829d, "FNumber"_f, C::Plain, false},
    TagInfo{0x8822, "ExposureProgram"_f, C::Plain, false},
    TagInfo{0x8824, "SpectralSensitivity"_f, C::Plain, false},
    TagInfo{0x8827, "ISO"_f, C::Plain, false},
    TagInfo{0x882a, "TimeZoneOffset"_f, C::Plain, false},
    TagInfo{0x882b, "SelfTimerMode"_f, C::Plain, false},
    TagInfo{0x8830, "SensitivityType"_f, C::Plain, false},
    TagInfo{0x8831, "StandardOutputSensitivity"_f, C::Plain, false},
    TagInfo{0x8832, "RecommendedExposureIndex"_f, C::Plain, false},
    TagInfo{0x8833, "ISOSpeed"_f, C::Plain, false},
    TagInfo{0x8834, "ISOSpeedLatitudeyyy"_f, C::Plain, false},
    TagInfo{0x8835, "ISOSpeedLatitudezzz"_f, C::Plain, false},
    TagInfo{0x9000, "ExifVersion"_f, C::Version, false},
    TagInfo{0x9003, "DateTimeOriginal"_f, C::Plain, false},
    TagInfo{0x9004, "CreateDate"_f, C::Plain, false},
    TagInfo{0x9010, "OffsetTime"_f, C::Plain, false},
    TagInfo{0x9011, "OffsetTimeOriginal"_f, C::Plain, false},
    TagInfo{0x9012, "OffsetTimeDigitized"_f, C::Plain, false},
    TagInfo{0x9101, "ComponentsConfiguration"_f, C::ByteList, false},
    TagInfo{0x9102, "CompressedBitsPerPixel"_f, C::Plain, false},
    TagInfo{0x9201, "ShutterSpeedValue"_f, C::ApexShutter, false},
    TagInfo{0x9202, "ApertureValue"_f, C::ApexAperture, false},
    TagInfo{0x9203, "BrightnessValue"_f, C::Plain, false},
    TagInfo{0x9204, "ExposureCompensation"_f, C::Plain, false},
    TagInfo{0x9205, "MaxApertureValue"_f, C::ApexAperture, false},
    TagInfo{0x9206, "SubjectDistance"_f, C::Plain, false},
    TagInfo{0x9207, "MeteringMode"_f, C::Plain, false},
    TagInfo{0x9208, "LightSource"_f, C::Plain, false},
    TagInfo{0x9209, "Flash"_f, C::Plain, false},
    TagInfo{0x920a, "FocalLength"_f, C::Plain, false},
    TagInfo{0x9211, "ImageNumber"_f, C::Plain, false},
    TagInfo{0x9212, "SecurityClassification"_f, C::Plain, false},
    TagInfo{0x9213, "ImageHistory"_f, C::Plain, false},
    TagInfo{0x9214, "SubjectArea"_f, C::Plain, false},
    TagInfo{0x9286, "UserComment"_f, C::ExifText, false},
    TagInfo{0x9290, "SubSecTime"_f, C::TrimBlanks, false},
    TagInfo{0x9291, "SubSecTimeOriginal"_f, C::TrimBlanks, false},
    TagInfo{0x9292, "SubSecTimeDigitized"_f, C::TrimBlanks, false},
    TagInfo{0x9400, "AmbientTemperature"_f, C::Plain, false},
    TagInfo{0x9401, "Humidity"_f, C::Plain, false},
    TagInfo{0x9402, "Pressure"_f, C::Plain, false},
    TagInfo{0x9403, "WaterDepth"_f, C::Plain, false},
    TagInfo{0x9404, "Acceleration"_f, C::Plain, false},
    TagInfo{0x9405, "CameraElevationAngle"_f, C::Plain, false},
    TagInfo{0x9c9b, "XPTitle"_f, C::Ucs2, false},
    TagInfo{0x9c9c, "XPComment"_f, C::Ucs2, false},
    TagInfo{0x9c9d, "XPAuthor"_f, C::Ucs2, false},
    TagInfo{0x9c9e, "XPKeywords"_f, C::Ucs2, false},
    TagInfo{0x9c9f, "XPSubject"_f, C::Ucs2, false},
    TagInfo{0xa000, "FlashpixVersion"_f, C::Version, false},
    TagInfo{0xa001, "ColorSpace"_f, C::Plain, false},
    TagInfo{0xa002, "ExifImageWidth"_f, C::Plain, false},
    TagInfo{0xa003, "ExifImageHeight"_f, C::Plain, false},
    TagInfo{0xa004, "RelatedSoundFile"_f, C::Plain, false},
    TagInfo{0xa20b, "FlashEnergy"_f, C::Plain, false},
    TagInfo{0xa20e, "FocalPlaneXResolution"_f, C::Plain, false},
    TagInfo{0xa20f, "FocalPlaneYResolution"_f, C::Plain, false},
    TagInfo{0xa210, "FocalPlaneResolutionUnit"_f, C::Plain, false},
    TagInfo{0xa214, "SubjectLocation"_f, C::Plain, false},
    TagInfo{0xa215, "ExposureIndex"_f, C::Plain, false},
    TagInfo{0xa217, "SensingMethod"_f, C::Plain, false},
    TagInfo{0xa300, "FileSource"_f, C::Plain, false},
    TagInfo{0xa301, "SceneType"_f, C::Plain, false},
    TagInfo{0xa401, "CustomRendered"_f, C::Plain, false},
    TagInfo{0xa402, "ExposureMode"_f, C::Plain, false},
    TagInfo{0xa403, "WhiteBalance"_f, C::Plain, P0},
    TagInfo{0xa404, "DigitalZoomRatio"_f, C::Plain, false},
    TagInfo{0xa405, "FocalLengthIn35mmFormat"_f, C::Plain, false},
    TagInfo{0xa406, "SceneCaptureType"_f, C::Plain, false},
    TagInfo{0xa407, "GainControl"_f, C::Plain, false},
    TagInfo{0xa408, "Contrast"_f, C::Plain, false},
    TagInfo{0xa409, "Saturation"_f, C::Plain, false},
    TagInfo{0xa40a, "Sharpness"_f, C::Plain, false},
    TagInfo{0xa40c, "SubjectDistanceRange"_f, C::Plain, false},
    TagInfo{0xa420, "ImageUniqueID"_f, C::Plain, false},
    TagInfo{0xa430, "OwnerName"_f, C::Plain, false},
    TagInfo{0xa431, "SerialNumber"_f, C::Plain, false},
    TagInfo{0xa432, "LensInfo"_f, C::Plain, false},
    TagInfo{0xa433, "LensMake"_f, C::Plain, false},
    TagInfo{0xa434, "LensModel"_f, C::Plain, false},
    TagInfo{0xa435, "LensSerialNumber"_f, C::Plain, false},
    TagInfo{0xa460, "CompositeImage"_f, C::Plain, false},
    TagInfo{0xa461, "CompositeImageCount"_f, C::Plain, false},
    TagInfo{0xa500, "Gamma"_f, C::Plain, false},
    // DNG 1.4 section 6 (IFD0)
    TagInfo{0xc612, "DNGVersion"_f, C::Plain, false},
    TagInfo{0xc613, "DNGBackwardVersion"_f, C::Plain, false},
    TagInfo{0xc614, "UniqueCameraModel"_f, C::Plain, false},
    TagInfo{0xc615, "LocalizedCameraModel"_f, C::Plain, false},
    TagInfo{0xc62f, "CameraSerialNumber"_f, C::Plain, false},
    TagInfo{0xc630, "DNGLensInfo"_f, C::Plain, false},
};

// EXIF 2.32 4.6.6 table 15.
constexpr std::array kGpsTags = {
    TagInfo{0x0000, "GPSVersionID"_f, C::Plain, false},
    TagInfo{0x0001, "GPSLatitudeRef"_f, C::Plain, false},
    TagInfo{0x0002, "GPSLatitude"_f, C::GpsLatitude, false},
    TagInfo{0x0003, "GPSLongitudeRef"_f, C::Plain, false},
    TagInfo{0x0004, "GPSLongitude"_f, C::GpsLongitude, false},
    TagInfo{0x0005, "GPSAltitudeRef"_f, C::Plain, false},
    TagInfo{0x0006, "GPSAltitude"_f, C::GpsAltitude, false},
    TagInfo{0x0007, "GPSTimeStamp"_f, C::GpsTimeStamp, false},
    TagInfo{0x0008, "GPSSatellites"_f, C::Plain, false},
    TagInfo{0x0009, "GPSStatus"_f, C::Plain, false},
    TagInfo{0x000a, "GPSMeasureMode"_f, C::Plain, false},
    TagInfo{0x000b, "GPSDOP"_f, C::Plain, false},
    TagInfo{0x000c, "GPSSpeedRef"_f, C::Plain, false},
    TagInfo{0x000d, "GPSSpeed"_f, C::Plain, false},
    TagInfo{0x000e, "GPSTrackRef"_f, C::Plain, false},
    TagInfo{0x000f, "GPSTrack"_f, C::Plain, false},
    TagInfo{0x0010, "GPSImgDirectionRef"_f, C::Plain, false},
    TagInfo{0x0011, "GPSImgDirection"_f, C::Plain, false},
    TagInfo{0x0012, "GPSMapDatum"_f, C::Plain, false},
    TagInfo{0x0013, "GPSDestLatitudeRef"_f, C::Plain, false},
    TagInfo{0x0014, "GPSDestLatitude"_f, C::Degrees, false},
    TagInfo{0x0015, "GPSDestLongitudeRef"_f, C::Plain, false},
    TagInfo{0x0016, "GPSDestLongitude"_f, C::Degrees, false},
    TagInfo{0x0017, "GPSDestBearingRef"_f, C::Plain, false},
    TagInfo{0x0018, "GPSDestBearing"_f, C::Plain, false},
    TagInfo{0x0019, "GPSDestDistanceRef"_f, C::Plain, false},
    TagInfo{0x001a, "GPSDestDistance"_f, C::Plain, false},
    TagInfo{0x001b, "GPSProcessingMethod"_f, C::ExifText, false},
    TagInfo{0x001c, "GPSAreaInformation"_f, C::ExifText, false},
    TagInfo{0x001d, "GPSDateStamp"_f, C::GpsDateStamp, false},
    TagInfo{0x001e, "GPSDifferential"_f, C::Plain, false},
    TagInfo{0x001f, "GPSHPositioningError"_f, C::Plain, false},
};

// Panasonic RW2 IFD0 (ExifTool PanasonicRaw::Main); tags from 0x100 on follow Exif::Main.
constexpr std::array kPanasonicRawTags = {
    TagInfo{0x0001, "PanasonicRawVersion"_f, C::Version, false},
    TagInfo{0x0002, "SensorWidth"_f, C::Plain, false},
    TagInfo{0x0003, "SensorHeight"_f, C::Plain, false},
    TagInfo{0x0004, "SensorTopBorder"_f, C::Plain, false},
    TagInfo{0x0005, "SensorLeftBorder"_f, C::Plain, false},
    TagInfo{0x0006, "SensorBottomBorder"_f, C::Plain, false},
    TagInfo{0x0007, "SensorRightBorder"_f, C::Plain, false},
    TagInfo{0x0008, "SamplesPerPixel"_f, C::Plain, false},
    TagInfo{0x000a, "BitsPerSample"_f, C::Plain, false},
    TagInfo{0x000b, "Compression"_f, C::Plain, false},
    TagInfo{0x0017, "ISO"_f, C::Plain, false},
};

constexpr bool by_tag(const TagInfo& a, const TagInfo& b) { return a.tag < b.tag; }
static_assert(std::is_sorted(kExifTags.begin(), kExifTags.end(), by_tag), "kExifTags must be sorted by tag");
static_assert(std::is_sorted(kGpsTags.begin(), kGpsTags.end(), by_tag), "kGpsTags must be sorted by tag");
static_assert(std::is_sorted(kPanasonicRawTags.begin(), kPanasonicRawTags.end(), by_tag),
              "kPanasonicRawTags must be sorted by tag");

template <size_t N>
const TagInfo* find(const std::array<TagInfo, N>& table, uint16_t tag) {
  auto it = std::lower_bound(table.begin(), table.end(), tag,
                             [](const TagInfo& t, uint16_t id) { return t.tag < id; });
  return it != table.end() && it->tag == tag ? &*it : nullptr;
}

// The main table is asked once per directory entry of every IFD: a hash table built by the
// compiler (multiplicative hash, open addressing at under a third full) instead of a binary
// search.
constexpr size_t kExifSlots = 1024;
static_assert(kExifSlots >= 3 * kExifTags.size());
constexpr size_t exif_slot(uint16_t tag) { return (uint32_t{tag} * 40503u >> 6) & (kExifSlots - 1); }

constexpr auto kExifIndex = [] {
  std::array<uint16_t, kExifSlots> slots{};  // position + 1; 0 for an empty slot
  for (size_t i = 0; i < kExifTags.size(); ++i) {
    size_t at = exif_slot(kExifTags[i].tag);
    while (slots[at] != 0) at = (at + 1) & (kExifSlots - 1);
    slots[at] = static_cast<uint16_t>(i + 1);
  }
  return slots;
}();

}  // namespace

const TagInfo* find_exif_tag(uint16_t tag) {
  for (size_t at = exif_slot(tag);; at = (at + 1) & (kExifSlots - 1)) {
    const uint16_t slot = kExifIndex[at];
    if (slot == 0) return nullptr;
    if (kExifTags[slot - 1].tag == tag) return &kExifTags[slot - 1];
  }
}
const TagInfo* find_gps_tag(uint16_t tag) { return find(kGpsTags, tag); }
const TagInfo* find_panasonic_raw_tag(uint16_t tag) { return find(kPanasonicRawTags, tag); }

}  // namespace imgmeta::meta
