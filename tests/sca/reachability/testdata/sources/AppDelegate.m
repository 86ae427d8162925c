@import AFNetworking;
@import Firebase.Analytics;
#import <SDWebImage/UIImageView+WebCache.h>
#include <stdio.h>
#import "Masonry.h"
// #import <TrapComment/Trap.h>
/* @import TrapBlock; */
NSString *text = @"#import <TrapString/Trap.h>";
